/* sluice dashboard: reads the worker's REST API every few seconds.
 * Every value from the API reaches the page through textContent or
 * attributes, never as markup. */
"use strict";

(function () {
  /* ?refresh=<ms> changes the period (0: only after the page's own
   * actions; at least 500 otherwise) */
  var REFRESH_MS = (function () {
    var v = new URLSearchParams(window.location.search).get("refresh");
    if (v === null || v === "" || !isFinite(Number(v))) return 2000;
    return Number(v) <= 0 ? 0 : Math.max(500, Number(v));
  })();
  var CHART_SECONDS = 120;
  var COLORS = ["#0969da", "#cf222e", "#1a7f37", "#9a6700", "#8250df",
                "#bf3989", "#0a7c86", "#bc4c00", "#57606a", "#4d2d00"];

  var rows = new Map(); /* connector name -> row elements */
  var colorOf = new Map(); /* connector name -> chart color */
  var workerLoaded = false;
  var refreshes = 0;
  var busy = false;

  function $(id) { return document.getElementById(id); }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  /* URLs from location.origin: a page opened as http://user:pw@host/ui
   * would otherwise pass the credentials into fetch, which refuses them. */
  function apiUrl(path) {
    return new URL(path, window.location.origin).toString();
  }

  /* Resolves to the parsed JSON body (null when empty); rejects with an
   * Error whose message is the API's error message when there is one. */
  function api(method, path) {
    return fetch(apiUrl(path), {
      method: method,
      cache: "no-store",
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (resp) {
      return resp.text().then(function (text) {
        var body = null;
        if (text) {
          try { body = JSON.parse(text); } catch (e) { body = null; }
        }
        if (!resp.ok) {
          var msg = body && typeof body.message === "string" ? body.message
                    : (resp.statusText || "request failed");
          var err = new Error(msg + " (" + method + " " + path + ": HTTP " +
                              resp.status + ")");
          err.status = resp.status;
          throw err;
        }
        if (text && body === null)
          throw new Error(method + " " + path + ": the answer is not JSON");
        return body;
      });
    });
  }

  function errorText(e) {
    if (e && e.message) return e.message;
    return String(e);
  }

  /* ------------------------------------------------------------ messages */

  function showMessage(text) {
    $("message-text").textContent = text;
    $("message").hidden = false;
  }

  function hideMessage() {
    $("message").hidden = true;
    $("message-text").textContent = "";
  }

  function showError(id, text) {
    var e = $(id);
    if (text) {
      e.textContent = text;
      e.hidden = false;
    } else {
      e.textContent = "";
      e.hidden = true;
    }
  }

  /* -------------------------------------------------------------- worker */

  function loadWorker() {
    return api("GET", "/").then(function (info) {
      info = info || {};
      $("worker-version").textContent = info.version || "?";
      $("worker-commit").textContent = info.commit || "?";
      $("worker-cluster").textContent = info.kafka_cluster_id || "?";
      $("worker").setAttribute("data-state", "loaded");
      workerLoaded = true;
    }, function (e) {
      $("worker").setAttribute("data-state", "error");
      $("worker-version").textContent = "unavailable";
      throw e;
    });
  }

  /* ---------------------------------------------------------- connectors */

  function firstLine(s) {
    if (typeof s !== "string") return "";
    var i = s.indexOf("\n");
    return (i < 0 ? s : s.slice(0, i)).trim();
  }

  function stateBadge(state) {
    var s = el("span", "state", state || "UNKNOWN");
    s.setAttribute("data-state", state || "UNKNOWN");
    return s;
  }

  function act(name, what) {
    var enc = encodeURIComponent(name);
    var req = what === "restart"
      ? api("POST", "/connectors/" + enc + "/restart?includeTasks=true&onlyFailed=false")
      : api("PUT", "/connectors/" + enc + "/" + what);
    req.then(function () {
      hideMessage();
      refresh();
    }, function (e) {
      showMessage("Cannot " + what + " connector " + name + ": " + errorText(e));
    });
  }

  function button(label, name, what) {
    var b = el("button", "action-" + what, label);
    b.type = "button";
    b.setAttribute("data-action", what);
    b.addEventListener("click", function () { act(name, what); });
    return b;
  }

  function makeRow(name) {
    var tr = el("tr");
    tr.setAttribute("data-name", name);
    var r = {
      tr: tr,
      name: el("td", "name", name),
      type: el("td", "type"),
      state: el("td", "conn-state"),
      worker: el("td", "worker"),
      tasks: el("td", "tasks"),
      rate: el("td", "num rate"),
      trace: el("td", "trace"),
      actions: el("td", "actions")
    };
    r.actions.appendChild(button("Pause", name, "pause"));
    r.actions.appendChild(button("Resume", name, "resume"));
    r.actions.appendChild(button("Restart", name, "restart"));
    [r.name, r.type, r.state, r.worker, r.tasks, r.rate, r.trace,
     r.actions].forEach(function (td) { tr.appendChild(td); });
    return r;
  }

  function setIfChanged(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  function updateRow(r, entry) {
    var status = (entry && entry.status) || {};
    var info = (entry && entry.info) || {};
    var conn = status.connector || {};
    var tasks = Array.isArray(status.tasks) ? status.tasks : [];
    var state = conn.state || "UNKNOWN";

    r.tr.setAttribute("data-state", state);
    r.tr.setAttribute("data-tasks", String(tasks.length));
    setIfChanged(r.type, status.type || info.type || "");
    if (r.state.getAttribute("data-state") !== state) {
      r.state.textContent = "";
      r.state.appendChild(stateBadge(state));
      r.state.setAttribute("data-state", state);
    }
    setIfChanged(r.worker, conn.worker_id || "");

    var taskKey = tasks.map(function (t) { return t.id + ":" + t.state; }).join(",");
    if (r.tasks.getAttribute("data-key") !== taskKey) {
      r.tasks.textContent = "";
      tasks.forEach(function (t) {
        var b = stateBadge(t.state);
        b.textContent = t.id + ": " + (t.state || "UNKNOWN");
        b.setAttribute("data-task", String(t.id));
        b.title = t.worker_id ? "on " + t.worker_id : "";
        r.tasks.appendChild(b);
      });
      if (!tasks.length) r.tasks.appendChild(el("span", "muted", "none"));
      r.tasks.setAttribute("data-key", taskKey);
    }

    var traces = [];
    if (state === "FAILED" && conn.trace)
      traces.push("connector: " + firstLine(conn.trace));
    tasks.forEach(function (t) {
      if (t.state === "FAILED" && t.trace)
        traces.push("task " + t.id + ": " + firstLine(t.trace));
    });
    setIfChanged(r.trace, traces.join("\n"));
    r.trace.title = traces.join("\n");

    r.actions.querySelector(".action-pause").disabled = state === "PAUSED";
    r.actions.querySelector(".action-resume").disabled = state === "RUNNING";
  }

  function loadConnectors() {
    return api("GET", "/connectors?expand=status&expand=info").then(function (all) {
      all = all && typeof all === "object" ? all : {};
      var names = Object.keys(all).sort();
      var tbody = $("connectors").tBodies[0];
      rows.forEach(function (r, name) {
        if (!Object.prototype.hasOwnProperty.call(all, name)) {
          r.tr.remove();
          rows.delete(name);
        }
      });
      names.forEach(function (name) {
        var r = rows.get(name);
        if (!r) {
          r = makeRow(name);
          rows.set(name, r);
        }
        updateRow(r, all[name]);
        tbody.appendChild(r.tr); /* keeps name order; moves, not copies */
      });
      $("connectors").setAttribute("data-count", String(names.length));
      $("connector-count").textContent = "(" + names.length + ")";
      $("connectors-empty").hidden = names.length > 0;
      showError("connectors-error", "");
    }, function (e) {
      showError("connectors-error", "Cannot read connectors: " + errorText(e));
      throw e;
    });
  }

  /* ---------------------------------------------------------- throughput */

  function colorFor(name) {
    var c = colorOf.get(name);
    if (!c) {
      c = COLORS[colorOf.size % COLORS.length];
      colorOf.set(name, c);
    }
    return c;
  }

  function num(v) {
    var n = Number(v);
    return isFinite(n) && n > 0 ? n : 0;
  }

  function fmtRate(v) {
    if (v >= 1e9) return (v / 1e9).toFixed(1) + "G";
    if (v >= 1e6) return (v / 1e6).toFixed(1) + "M";
    if (v >= 1e3) return (v / 1e3).toFixed(1) + "k";
    if (v >= 10 || v === 0) return String(Math.round(v));
    return v.toFixed(1);
  }

  function drawChart(canvas, series, intervalMs, emptyText) {
    var metric = canvas.getAttribute("data-metric");
    var ratio = window.devicePixelRatio || 1;
    var cssW = canvas.clientWidth || 560;
    var cssH = canvas.clientHeight || 220;
    if (canvas.width !== Math.round(cssW * ratio)) canvas.width = Math.round(cssW * ratio);
    if (canvas.height !== Math.round(cssH * ratio)) canvas.height = Math.round(cssH * ratio);
    var ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, cssW, cssH);

    var points = 0;
    var max = 0;
    series.forEach(function (s) {
      var values = s[metric] || [];
      points = Math.max(points, values.length);
      values.forEach(function (v) { max = Math.max(max, num(v)); });
    });
    canvas.setAttribute("data-points", String(points));
    canvas.setAttribute("data-max", String(max));
    canvas.setAttribute("data-series", String(series.length));

    var left = 48, right = 10, top = 10, bottom = 22;
    var w = cssW - left - right, h = cssH - top - bottom;
    var top_ = max > 0 ? max * 1.1 : 1;

    ctx.font = "11px sans-serif";
    ctx.fillStyle = "#6b7280";
    ctx.strokeStyle = "#eef0f3";
    ctx.lineWidth = 1;
    for (var g = 0; g <= 4; g++) {
      var gy = top + h - (h * g) / 4;
      ctx.beginPath();
      ctx.moveTo(left, gy);
      ctx.lineTo(left + w, gy);
      ctx.stroke();
      ctx.textAlign = "right";
      ctx.textBaseline = "middle";
      ctx.fillText(fmtRate((top_ * g) / 4), left - 6, gy);
    }
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    if (points > 1)
      ctx.fillText("-" + Math.round(((points - 1) * intervalMs) / 1000) + " s",
                   left, top + h + 6);
    ctx.textAlign = "right";
    ctx.fillText("now", left + w, top + h + 6);
    if (!points) {
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText(emptyText || "no samples yet", left + w / 2, top + h / 2);
      return;
    }

    /* newest samples of every series line up at the right edge */
    var step = points > 1 ? w / (points - 1) : 0;
    ctx.lineWidth = 1.8;
    series.forEach(function (s) {
      var values = s[metric] || [];
      if (!values.length) return;
      var offset = points - values.length;
      ctx.strokeStyle = colorFor(s.name);
      ctx.beginPath();
      values.forEach(function (v, i) {
        var x = left + (points > 1 ? (offset + i) * step : w);
        var y = top + h - (num(v) / top_) * h;
        if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      });
      if (values.length === 1) ctx.arc(left + w, top + h - (num(values[0]) / top_) * h, 2, 0, 2 * Math.PI);
      ctx.stroke();
    });
  }

  function renderLegend(series) {
    var legend = $("legend");
    legend.textContent = "";
    series.forEach(function (s) {
      var li = el("li");
      li.setAttribute("data-name", s.name);
      var sw = el("span", "swatch");
      sw.style.backgroundColor = colorFor(s.name);
      li.appendChild(sw);
      li.appendChild(el("span", "legend-name", s.name));
      li.appendChild(el("span", "muted", " (" + (s.type || "?") + ")"));
      legend.appendChild(li);
    });
  }

  function setRates(series) {
    var latest = new Map();
    series.forEach(function (s) {
      var v = s.records_per_sec || [];
      latest.set(s.name, v.length ? num(v[v.length - 1]) : 0);
    });
    rows.forEach(function (r, name) {
      setIfChanged(r.rate, latest.has(name) ? fmtRate(latest.get(name)) : "–");
    });
  }

  function loadThroughput() {
    var charts = [$("chart-records"), $("chart-bytes")];
    return api("GET", "/metrics/throughput?seconds=" + CHART_SECONDS).then(function (m) {
      if (!m || typeof m !== "object" || !m.connectors || typeof m.connectors !== "object")
        throw new Error("GET /metrics/throughput: unexpected answer");
      var interval = num(m.interval_ms) || 1000;
      var series = Object.keys(m.connectors).sort().map(function (name) {
        var c = m.connectors[name] || {};
        return {
          name: name,
          type: c.type,
          records_per_sec: Array.isArray(c.records_per_sec) ? c.records_per_sec : [],
          bytes_per_sec: Array.isArray(c.bytes_per_sec) ? c.bytes_per_sec : []
        };
      });
      charts.forEach(function (c) {
        drawChart(c, series, interval);
        c.setAttribute("data-state", "ok");
      });
      renderLegend(series);
      setRates(series);
      var end = Number(m.end_ms);
      $("throughput-span").textContent = "(" + Math.round(interval) + " ms samples" +
        (isFinite(end) && end > 0 ? ", newest " + new Date(end).toLocaleTimeString() : "") + ")";
      showError("throughput-error", "");
    }, function (e) {
      charts.forEach(function (c) {
        drawChart(c, [], 1000, "unavailable");
        c.setAttribute("data-state", "unavailable");
      });
      renderLegend([]);
      setRates([]);
      $("throughput-span").textContent = "";
      showError("throughput-error", "Throughput metrics unavailable: " + errorText(e));
      throw e;
    });
  }

  /* ------------------------------------------------------------- refresh */

  function refresh() {
    if (busy) return;
    busy = true;
    var jobs = [loadConnectors().then(loadThroughput, loadThroughput)];
    if (!workerLoaded) jobs.push(loadWorker());
    /* each part shows its own error; the page keeps going */
    Promise.all(jobs.map(function (p) { return p.catch(function () {}); }))
      .then(function () {
        busy = false;
        refreshes += 1;
        document.body.setAttribute("data-refreshes", String(refreshes));
        $("updated").textContent = "updated " + new Date().toLocaleTimeString();
      });
  }

  function start() {
    $("message-close").addEventListener("click", hideMessage);
    refresh();
    if (REFRESH_MS > 0) window.setInterval(refresh, REFRESH_MS);
    var resizeTimer = 0;
    window.addEventListener("resize", function () {
      window.clearTimeout(resizeTimer);
      resizeTimer = window.setTimeout(refresh, 200);
    });
  }

  if (document.readyState === "loading")
    document.addEventListener("DOMContentLoaded", start);
  else
    start();
})();
