"""REST API security (issue 7): https listeners with PEM keystores and
truststores, client certificates (ssl.client.auth), HTTP basic auth through
BasicAuthSecurityRestExtension with a JAAS file, and a distributed cluster
forwarding requests between https + basic auth workers.

Certificates are made at test time with the openssl CLI: a CA, a server
certificate for 127.0.0.1/localhost signed by it, a client certificate
signed by it, and a self-signed "rogue" certificate no one trusts."""

import base64
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from conftest import file_source_config, free_port, write_properties

PASSWORD = "Sluice-Pw-7f3a9c"  # admin's; must never show up anywhere
KEY_PASSWORD = "key-pw-e41b"
TLS_ERRORS = (requests.exceptions.SSLError,
              requests.exceptions.ConnectionError)


# ------------------------------------------------------------ certificates

def _openssl(*args, cwd):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, f"openssl {' '.join(args)}: {r.stderr}"


def _key_and_csr(d, name, cn):
    _openssl("req", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
             f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={cn}",
             cwd=d)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.fail("the openssl CLI is needed to make test certificates "
                    "(Debian package openssl)", pytrace=False)
    d = tmp_path_factory.mktemp("pki")
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key",
             "-out", "ca.pem", "-days", "2", "-subj", "/CN=sluice-test-ca",
             cwd=d)
    (d / "server.ext").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    _key_and_csr(d, "server", "localhost")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem",
             "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt",
             "-days", "2", "-extfile", "server.ext", cwd=d)
    _key_and_csr(d, "client", "sluice-client")
    _openssl("x509", "-req", "-in", "client.csr", "-CA", "ca.pem",
             "-CAkey", "ca.key", "-CAcreateserial", "-out", "client.crt",
             "-days", "2", cwd=d)
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
             "rogue.key", "-out", "rogue.crt", "-days", "2", "-subj",
             "/CN=rogue", cwd=d)
    _openssl("pkcs8", "-topk8", "-in", "server.key", "-out",
             "server-enc.key", "-v2", "aes-256-cbc", "-passout",
             f"pass:{KEY_PASSWORD}", cwd=d)
    # a keystore as Kafka's PEM keystores hold it: key, then the chain
    (d / "server.pem").write_text((d / "server.key").read_text() +
                                  (d / "server.crt").read_text())
    (d / "server-enc.pem").write_text((d / "server-enc.key").read_text() +
                                      (d / "server.crt").read_text())
    (d / "rogue-key-server-cert.pem").write_text(
        (d / "rogue.key").read_text() + (d / "server.crt").read_text())
    return d


def tls_props(pki, **extra):
    p = {"ssl.keystore.type": "PEM",
         "ssl.keystore.location": str(pki / "server.pem")}
    p.update(extra)
    return p


@pytest.fixture(scope="module")
def jaas(tmp_path_factory):
    d = tmp_path_factory.mktemp("jaas")
    creds = write_properties(d / "credentials.properties",
                             {"admin": PASSWORD, "reader": "other-pw"})
    path = d / "connect.jaas"
    path.write_text(
        "KafkaConnect {\n"
        "  org.apache.kafka.connect.rest.basic.auth.extension."
        "PropertyFileLoginModule required\n"
        f'  file="{creds}";\n'
        "};\n")
    return path


def auth_props(jaas):
    return {"rest.extension.classes":
            "org.apache.kafka.connect.rest.basic.auth.extension."
            "BasicAuthSecurityRestExtension",
            "java.security.auth.login.config": str(jaas)}


def start_failing(worker, props):
    """Start a worker that must exit at startup; returns its log."""
    w = worker.start(props, wait=False)
    try:
        rc = w.proc.wait(20)
    except subprocess.TimeoutExpired:
        pytest.fail("the worker did not exit\n" + w.log_tail())
    assert rc != 0, w.log_tail()
    return w.log()


# ------------------------------------------------------------------- https

def test_https_listener_verified_against_ca(worker, pki):
    w = worker.start(tls_props(pki), scheme="https",
                     client={"verify": str(pki / "ca.pem")})
    assert w.url.startswith("https://127.0.0.1:")
    r = w.get("/")
    assert r.status_code == 200, r.text
    assert "version" in r.json()
    # the certificate names localhost too
    port = w.url.rsplit(":", 1)[1]
    r = requests.get(f"https://localhost:{port}/connectors",
                     verify=str(pki / "ca.pem"), timeout=10)
    assert r.status_code == 200 and r.json() == []
    # not trusted without the CA
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(w.url + "/", timeout=10)
    # plain http to the https port gets no HTTP answer
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/", timeout=10)
    assert "REST server listening on port" in w.log()
    assert "(https)" in w.log()


def test_https_inline_pem_and_prefixed_keys(worker, pki):
    """ssl.keystore.key + ssl.keystore.certificate.chain as PEM text, under
    listeners.https. (which wins over the plain keys)."""
    props = {
        "listeners.https.ssl.keystore.key": (pki / "server.key").read_text(),
        "listeners.https.ssl.keystore.certificate.chain":
            (pki / "server.crt").read_text(),
        # the plain key is shadowed by the prefixed ones
        "ssl.keystore.location": "/nonexistent/ignored.pem",
    }
    w = worker.start(props, scheme="https",
                     client={"verify": str(pki / "ca.pem")})
    assert w.get("/connectors").json() == []


def test_https_encrypted_key(worker, pki):
    w = worker.start(tls_props(pki, **{
        "ssl.keystore.location": str(pki / "server-enc.pem"),
        "ssl.key.password": KEY_PASSWORD}), scheme="https",
        client={"verify": str(pki / "ca.pem")})
    assert w.get("/").status_code == 200
    assert KEY_PASSWORD not in w.log()


@pytest.mark.parametrize("case", [
    "missing-file", "no-key", "jks", "mismatch", "encrypted-no-password",
    "wrong-password", "no-keystore", "truststore-missing",
    "client-auth-without-truststore", "bad-client-auth"])
def test_bad_tls_config_stops_the_worker(worker, pki, case):
    loc = "ssl.keystore.location"
    props, want = {
        "missing-file": ({loc: str(pki / "nope.pem")},
                         [loc, str(pki / "nope.pem"), "No such file"]),
        "no-key": ({loc: str(pki / "server.crt")},
                   [loc, "server.crt", "no PEM private key"]),
        "jks": ({"ssl.keystore.type": "JKS"},
                ["ssl.keystore.type=JKS is not supported", "PEM"]),
        "mismatch": ({loc: str(pki / "rogue-key-server-cert.pem")},
                     [loc, "does not match the certificate"]),
        "encrypted-no-password": ({loc: str(pki / "server-enc.pem")},
                                  [loc, "encrypted", "ssl.key.password"]),
        "wrong-password": ({loc: str(pki / "server-enc.pem"),
                            "ssl.key.password": "not-it"},
                           [loc, "decrypt"]),
        "no-keystore": ({loc: None, "ssl.keystore.type": None},
                        ["https listener needs a keystore",
                         "ssl.keystore.location"]),
        "truststore-missing": ({"ssl.truststore.location":
                                str(pki / "nope-ca.pem")},
                               ["ssl.truststore.location", "nope-ca.pem"]),
        "client-auth-without-truststore": (
            {"ssl.client.auth": "required"},
            ["ssl.client.auth=required needs a truststore"]),
        "bad-client-auth": ({"listeners.https.ssl.client.auth": "always"},
                            ["listeners.https.ssl.client.auth",
                             "required, requested, none"]),
    }[case]
    log = start_failing(worker, dict(
        tls_props(pki, **props),
        listeners=f"https://127.0.0.1:{free_port()}"))
    for text in want:
        assert text in log, f"{text!r} not in:\n{log[-3000:]}"
    assert "REST server listening" not in log
    assert KEY_PASSWORD not in log


def _client_auth_worker(worker, pki, mode):
    return worker.start(tls_props(pki, **{
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": str(pki / "ca.pem"),
        "ssl.client.auth": mode}), scheme="https",
        client={"verify": str(pki / "ca.pem"),
                "cert": (str(pki / "client.crt"), str(pki / "client.key"))})


def test_client_auth_required(worker, pki):
    w = _client_auth_worker(worker, pki, "required")
    ca = str(pki / "ca.pem")
    good = (str(pki / "client.crt"), str(pki / "client.key"))
    rogue = (str(pki / "rogue.crt"), str(pki / "rogue.key"))
    r = requests.get(w.url + "/connectors", verify=ca, cert=good, timeout=10)
    assert r.status_code == 200 and r.json() == []
    with pytest.raises(TLS_ERRORS):
        requests.get(w.url + "/connectors", verify=ca, timeout=10)
    with pytest.raises(TLS_ERRORS):
        requests.get(w.url + "/connectors", verify=ca, cert=rogue,
                     timeout=10)
    # the worker goes on serving
    assert requests.get(w.url + "/", verify=ca, cert=good,
                        timeout=10).status_code == 200


def test_client_auth_requested(worker, pki):
    w = _client_auth_worker(worker, pki, "requested")
    ca = str(pki / "ca.pem")
    assert requests.get(w.url + "/", verify=ca, timeout=10).status_code == 200
    assert requests.get(w.url + "/", verify=ca, timeout=10, cert=(
        str(pki / "client.crt"), str(pki / "client.key"))).status_code == 200
    with pytest.raises(TLS_ERRORS):
        requests.get(w.url + "/", verify=ca, timeout=10, cert=(
            str(pki / "rogue.crt"), str(pki / "rogue.key")))


# -------------------------------------------------------------- basic auth

def _assert_401(r):
    assert r.status_code == 401, f"{r.status_code} {r.text}"
    assert r.headers.get("WWW-Authenticate", "").startswith("Basic realm=")
    assert r.json() == {"error_code": 401,
                        "message": "User cannot access the resource."}


def test_basic_auth(worker, jaas, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("a\n")
    w = worker.start(auth_props(jaas), env={"SLUICE_LOG_LEVEL": "DEBUG"},
                     client={"auth": ("admin", PASSWORD)})
    anon = requests.Session()
    _assert_401(anon.get(w.url + "/connectors", timeout=10))
    _assert_401(anon.get(w.url + "/", timeout=10))
    _assert_401(anon.get(w.url + "/connectors", timeout=10,
                         auth=("admin", "wrong")))
    _assert_401(anon.get(w.url + "/connectors", timeout=10,
                         auth=("nobody", PASSWORD)))
    _assert_401(anon.get(w.url + "/connectors", timeout=10,
                         headers={"Authorization": "Bearer abc"}))
    # writes are refused without credentials, and nothing is created
    cfg = file_source_config(src, "t")
    _assert_401(anon.post(w.url + "/connectors", timeout=10,
                          json={"name": "src", "config": cfg}))
    assert w.get("/connectors").json() == []

    w.create("src", cfg)
    r = anon.get(w.url + "/connectors?expand=info&expand=status",
                 timeout=10, auth=("reader", "other-pw"))
    assert r.status_code == 200 and "src" in r.json()
    for path in ("/connectors", "/connectors?expand=info",
                 "/connectors/src/config", "/"):
        body = w.get(path).text
        assert PASSWORD not in body
    log = w.log()
    token = base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
    assert PASSWORD not in log and token not in log
    assert "401" in log  # the refusals were logged (DEBUG), without secrets


def test_basic_auth_short_class_name(worker, jaas):
    props = auth_props(jaas)
    props["rest.extension.classes"] = "BasicAuthSecurityRestExtension"
    w = worker.start(props, client={"auth": ("reader", "other-pw")})
    assert w.get("/").status_code == 200
    _assert_401(requests.get(w.url + "/", timeout=10))


@pytest.mark.parametrize("case", ["unknown-class", "no-jaas", "jaas-missing",
                                  "jaas-malformed", "creds-missing"])
def test_bad_auth_config_stops_the_worker(worker, jaas, tmp_path, case):
    bad_jaas = tmp_path / "bad.jaas"
    props = auth_props(jaas)
    if case == "unknown-class":
        props["rest.extension.classes"] = "com.example.MyRestExtension"
        want = ["rest.extension.classes", "com.example.MyRestExtension"]
    elif case == "no-jaas":
        del props["java.security.auth.login.config"]
        want = ["java.security.auth.login.config"]
    elif case == "jaas-missing":
        props["java.security.auth.login.config"] = str(tmp_path / "no.jaas")
        want = ["java.security.auth.login.config", "no.jaas"]
    elif case == "jaas-malformed":
        bad_jaas.write_text("KafkaConnect {\n  com.example.LdapLoginModule "
                            "required;\n};\n")
        props["java.security.auth.login.config"] = str(bad_jaas)
        want = ["bad.jaas", "com.example.LdapLoginModule is not supported"]
    else:
        bad_jaas.write_text(
            "KafkaConnect { org.apache.kafka.connect.rest.basic.auth."
            f'extension.PropertyFileLoginModule required file="{tmp_path}'
            '/none.properties"; };\n')
        props["java.security.auth.login.config"] = str(bad_jaas)
        want = ["none.properties", "No such file"]
    log = start_failing(worker, props)
    for text in want:
        assert text in log, f"{text!r} not in:\n{log[-3000:]}"
    assert PASSWORD not in log


# ------------------------------------------------------------- distributed

def test_distributed_https_basic_auth_forwarding(cluster, pki, jaas,
                                                 tmp_path):
    """Two workers with https listeners and basic auth: writes sent to
    either are forwarded to the leader (with the caller's Authorization),
    and a connector running on the follower gets its task configs to the
    leader (with the worker's own credentials)."""
    props = tls_props(pki, **{"ssl.truststore.location": str(pki / "ca.pem")})
    props.update(auth_props(jaas))
    c = cluster(2, topics=("sec-a:1", "sec-b:1"), props=props,
                scheme="https", client={"verify": str(pki / "ca.pem"),
                                        "auth": ("admin", PASSWORD)})
    w1, w2 = c.workers
    anon = requests.Session()
    anon.verify = str(pki / "ca.pem")
    anon.trust_env = False  # or REQUESTS_CA_BUNDLE overrides verify
    _assert_401(anon.get(w1.url + "/connectors", timeout=10))

    # one connector created through each worker: one of them forwards
    names = []
    for i, w in enumerate((w1, w2)):
        src = tmp_path / f"in{i}.txt"
        src.write_text("x\n")
        name = f"sec-src-{i}"
        c.create(name, file_source_config(src, f"sec-{'ab'[i]}"), via=w)
        names.append(name)
    # each worker runs one (the least loaded takes a new connector): the
    # follower's got its task configs to the leader on its own credentials
    owners = {c.wait_running(name, ntasks=1)["connector"]["worker_id"]
              for name in names}
    assert owners == c.live_ids, owners
    # both workers see both; a forwarded write without credentials fails
    for w in (w1, w2):
        assert sorted(w.get("/connectors").json()) == sorted(names)
        _assert_401(anon.delete(w.url + f"/connectors/{names[0]}",
                                timeout=10))
    # the followers forward with the caller's credentials: another user
    # works as well
    r = c.write("PUT", f"/connectors/{names[1]}/pause", via=w2,
                auth=("reader", "other-pw"))
    assert r.status_code == 202
    c.write("PUT", f"/connectors/{names[1]}/pause", via=w1)
    for w in c.workers:
        log = w.log()
        assert not [ln for ln in log.splitlines()
                    if "Forwarding" in ln and "failed" in ln], log[-3000:]
        assert PASSWORD not in log
        assert "(https, basic auth)" in log
