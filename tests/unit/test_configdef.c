/* ConfigDef validation messages, defaults, REST JSON and typed readers. */
#include "config/configdef.h"
#include "sl_test.h"

#include <stdlib.h>

static char err[1024];

static const char *const modes[] = {"bulk", "tail", NULL};

static int no_x(const char *name, const char *value, char *errstr,
                size_t errstr_size)
{
        (void)name;
        if (strchr(value, 'x'))
                return sl_seterr(errstr, errstr_size, SL_ERR_CONFIG,
                                 "must not contain x");
        return 0;
}

static const sl_config_def_t framework[] = {
        {.name = "name", .type = SL_CFG_STRING, .flags = SL_CFG_REQUIRED,
         .importance = SL_CFG_HIGH, .documentation = "Connector name",
         .group = "Common", .order = 1, .width = SL_CFG_WIDTH_MEDIUM,
         .display_name = "Connector name"},
        {.name = "tasks.max", .type = SL_CFG_INT, .default_value = "1",
         .importance = SL_CFG_HIGH, .group = "Common", .order = 3,
         .flags = SL_CFG_MIN, .min = 1},
        {.name = "topic", .type = SL_CFG_STRING, .default_value = "t",
         .group = "Common", .order = 4},
        {.name = "errors.retry.timeout", .type = SL_CFG_LONG,
         .default_value = "0", .group = "Error Handling", .order = 1},
        {.name = NULL},
};

static const sl_config_def_t connector[] = {
        {.name = "file", .type = SL_CFG_STRING, .flags = SL_CFG_REQUIRED,
         .importance = SL_CFG_HIGH, .documentation = "Source file"},
        {.name = "topic", .type = SL_CFG_STRING, .flags = SL_CFG_NONEMPTY,
         .default_value = "default-topic", .importance = SL_CFG_MEDIUM,
         .group = "Conn", .order = 2},
        {.name = "mode", .type = SL_CFG_STRING, .default_value = "bulk",
         .valid_values = modes, .importance = SL_CFG_LOW},
        {.name = "password", .type = SL_CFG_PASSWORD,
         .importance = SL_CFG_LOW},
        {.name = NULL},
};

static sl_configdef_set_t set2(void)
{
        sl_configdef_set_t s = {.n = 0};
        sl_configdef_set_add(&s, framework);
        sl_configdef_set_add(&s, connector);
        return s;
}

/* Check a value against a one-off definition; "" when valid. */
static const char *check(sl_config_def_t def, const char *value)
{
        err[0] = '\0';
        if (sl_configdef_check(&def, value, err, sizeof(err)) == 0)
                return "";
        return err;
}

static void test_type_names(void)
{
        CHECK_STR(sl_cfg_type_name(SL_CFG_BOOLEAN), "BOOLEAN");
        CHECK_STR(sl_cfg_type_name(SL_CFG_STRING), "STRING");
        CHECK_STR(sl_cfg_type_name(SL_CFG_INT), "INT");
        CHECK_STR(sl_cfg_type_name(SL_CFG_SHORT), "SHORT");
        CHECK_STR(sl_cfg_type_name(SL_CFG_LONG), "LONG");
        CHECK_STR(sl_cfg_type_name(SL_CFG_DOUBLE), "DOUBLE");
        CHECK_STR(sl_cfg_type_name(SL_CFG_LIST), "LIST");
        CHECK_STR(sl_cfg_type_name(SL_CFG_CLASS), "CLASS");
        CHECK_STR(sl_cfg_type_name(SL_CFG_PASSWORD), "PASSWORD");
}

static void test_missing_required(void)
{
        sl_config_def_t d = {.name = "file", .type = SL_CFG_STRING,
                             .flags = SL_CFG_REQUIRED};
        CHECK_STR(check(d, NULL), "Missing required configuration \"file\" "
                                  "which has no default value.");
        CHECK_STR(check(d, ""), "");
        CHECK_INT(sl_configdef_check(&d, NULL, NULL, 0), SL_ERR_CONFIG);
}

static void test_numbers(void)
{
        sl_config_def_t d = {.name = "tasks.max", .type = SL_CFG_INT};
        CHECK_STR(check(d, "abc"), "Invalid value abc for configuration "
                                   "tasks.max: Not a number of type INT");
        CHECK_STR(check(d, "12"), "");
        CHECK_STR(check(d, " -7 "), "");
        CHECK_STR(check(d, "+7"), "");
        CHECK_STR(check(d, "1.5"), "Invalid value 1.5 for configuration "
                                   "tasks.max: Not a number of type INT");
        CHECK_STR(check(d, "2147483647"), "");
        CHECK_STR(check(d, "2147483648"),
                  "Invalid value 2147483648 for configuration tasks.max: "
                  "Not a number of type INT");
        CHECK_STR(check(d, "-2147483648"), "");
        CHECK_STR(check(d, ""), "Invalid value  for configuration "
                                "tasks.max: Not a number of type INT");
        CHECK_STR(check(d, "-"), "Invalid value - for configuration "
                                 "tasks.max: Not a number of type INT");

        d.type = SL_CFG_SHORT;
        CHECK_STR(check(d, "32767"), "");
        CHECK_STR(check(d, "32768"), "Invalid value 32768 for configuration "
                                     "tasks.max: Not a number of type SHORT");
        d.type = SL_CFG_LONG;
        CHECK_STR(check(d, "9223372036854775807"), "");
        CHECK_STR(check(d, "-9223372036854775808"), "");
        CHECK_STR(check(d, "9223372036854775808"),
                  "Invalid value 9223372036854775808 for configuration "
                  "tasks.max: Not a number of type LONG");
        d.type = SL_CFG_DOUBLE;
        CHECK_STR(check(d, "1.5e3"), "");
        CHECK_STR(check(d, "2"), "");
        CHECK_STR(check(d, "x1"), "Invalid value x1 for configuration "
                                  "tasks.max: Not a number of type DOUBLE");
        CHECK_STR(check(d, ""), "Invalid value  for configuration "
                                "tasks.max: Not a number of type DOUBLE");
}

static void test_boolean(void)
{
        sl_config_def_t d = {.name = "x", .type = SL_CFG_BOOLEAN};
        CHECK_STR(check(d, "true"), "");
        CHECK_STR(check(d, "FALSE"), "");
        CHECK_STR(check(d, " True "), "");
        CHECK_STR(check(d, "maybe"), "Invalid value maybe for configuration "
                                     "x: Expected value to be either true or "
                                     "false");
        CHECK_STR(check(d, ""), "Invalid value  for configuration x: "
                                "Expected value to be either true or false");
}

static void test_range(void)
{
        sl_config_def_t d = {.name = "tasks.max", .type = SL_CFG_INT,
                             .flags = SL_CFG_MIN | SL_CFG_MAX, .min = 1,
                             .max = 10};
        CHECK_STR(check(d, "0"), "Invalid value 0 for configuration "
                                 "tasks.max: Value must be at least 1");
        CHECK_STR(check(d, "11"), "Invalid value 11 for configuration "
                                  "tasks.max: Value must be no more than 10");
        CHECK_STR(check(d, "1"), "");
        CHECK_STR(check(d, "10"), "");
        /* the parsed number is shown, as Kafka prints the Integer */
        CHECK_STR(check(d, "-05"), "Invalid value -5 for configuration "
                                   "tasks.max: Value must be at least 1");

        d.type = SL_CFG_DOUBLE;
        d.min = 0.5;
        d.max = 2;
        CHECK_STR(check(d, "0.25"), "Invalid value 0.25 for configuration "
                                    "tasks.max: Value must be at least 0.5");
        CHECK_STR(check(d, "3"), "Invalid value 3.0 for configuration "
                                 "tasks.max: Value must be no more than 2");
        CHECK_STR(check(d, "1e9"), "Invalid value 1.0E9 for configuration "
                                   "tasks.max: Value must be no more than 2");
}

static void test_valid_values(void)
{
        sl_config_def_t d = {.name = "mode", .type = SL_CFG_STRING,
                             .valid_values = modes};
        CHECK_STR(check(d, "x"), "Invalid value x for configuration mode: "
                                 "String must be one of: bulk, tail");
        CHECK_STR(check(d, "bulk"), "");
        CHECK_STR(check(d, "TAIL"), "");

        d.type = SL_CFG_LIST;
        CHECK_STR(check(d, "bulk, tail"), "");
        CHECK_STR(check(d, "bulk,nope"), "Invalid value nope for "
                                         "configuration mode: String must be "
                                         "one of: bulk, tail");
}

static void test_nonempty(void)
{
        sl_config_def_t d = {.name = "topic", .type = SL_CFG_STRING,
                             .flags = SL_CFG_NONEMPTY};
        CHECK_STR(check(d, ""), "Invalid value  for configuration topic: "
                                "String must be non-empty");
        CHECK_STR(check(d, " "), "");
        CHECK_STR(check(d, NULL), ""); /* unset, default NULL */

        d.type = SL_CFG_LIST;
        CHECK_STR(check(d, " , "), "Invalid value  ,  for configuration "
                                   "topic: String must be non-empty");
        CHECK_STR(check(d, "a"), "");
}

static void test_validator(void)
{
        sl_config_def_t d = {.name = "v", .type = SL_CFG_STRING,
                             .validator = no_x};
        CHECK_STR(check(d, "abc"), "");
        CHECK_STR(check(d, "xyz"), "Invalid value xyz for configuration v: "
                                   "must not contain x");
}

static void test_default_is_validated(void)
{
        sl_config_def_t d = {.name = "n", .type = SL_CFG_INT,
                             .default_value = "zero"};
        CHECK_STR(check(d, NULL), "Invalid value zero for configuration n: "
                                  "Not a number of type INT");
        CHECK_STR(check(d, "5"), "");
}

static void test_class_and_password(void)
{
        sl_config_def_t d = {.name = "c", .type = SL_CFG_CLASS};
        CHECK_STR(check(d, "org.example.Foo"), "");
        CHECK_STR(check(d, ""), "Invalid value  for configuration c: Class  "
                                "could not be found.");
        d.type = SL_CFG_PASSWORD;
        CHECK_STR(check(d, ""), "");
}

static void test_find_and_override(void)
{
        sl_configdef_set_t s = set2();
        const sl_config_def_t *d = sl_configdef_find(&s, "topic");
        CHECK(d == &connector[1]);
        CHECK(sl_configdef_find(&s, "tasks.max") == &framework[1]);
        CHECK(sl_configdef_find(&s, "nope") == NULL);
}

static void test_errors_collection(void)
{
        sl_config_errors_t *e = sl_config_errors_new();
        CHECK_INT(sl_config_errors_count(e), 0);
        sl_config_error_add(e, "b", "first %d", 1);
        sl_config_error_add(e, "a", "second");
        sl_config_error_add(e, "b", "third");
        CHECK_INT(sl_config_errors_count(e), 3);
        CHECK_INT(sl_config_errors_nkeys(e), 2);
        CHECK_STR(sl_config_errors_key(e, 0), "b");
        CHECK_STR(sl_config_errors_key(e, 1), "a");
        CHECK(sl_config_errors_key(e, 2) == NULL);
        CHECK_INT(sl_config_errors_key_count(e, "b"), 2);
        CHECK_STR(sl_config_errors_key_at(e, "b", 0), "first 1");
        CHECK_STR(sl_config_errors_key_at(e, "b", 1), "third");
        CHECK(sl_config_errors_key_at(e, "b", 2) == NULL);
        CHECK_INT(sl_config_errors_key_count(e, "zzz"), 0);
        sl_config_errors_destroy(e);
}

static void test_validate_set(void)
{
        sl_configdef_set_t s = set2();
        sl_strmap_t *c = sl_strmap_new();
        sl_config_errors_t *e = sl_config_errors_new();

        sl_strmap_set(c, "name", "c1");
        sl_strmap_set(c, "tasks.max", "0");
        sl_strmap_set(c, "topic", "");
        sl_strmap_set(c, "undefined.key", "whatever");
        sl_configdef_validate(&s, c, e);
        CHECK_INT(sl_config_errors_count(e), 3);
        /* definition order: framework keys first, "topic" stays in place */
        CHECK_STR(sl_config_errors_key(e, 0), "tasks.max");
        CHECK_STR(sl_config_errors_key(e, 1), "topic");
        CHECK_STR(sl_config_errors_key(e, 2), "file");
        CHECK_STR(sl_config_errors_key_at(e, "tasks.max", 0),
                  "Invalid value 0 for configuration tasks.max: Value must "
                  "be at least 1");
        CHECK_STR(sl_config_errors_key_at(e, "topic", 0),
                  "Invalid value  for configuration topic: String must be "
                  "non-empty");
        CHECK_STR(sl_config_errors_key_at(e, "file", 0),
                  "Missing required configuration \"file\" which has no "
                  "default value.");
        sl_config_errors_destroy(e);
        sl_strmap_destroy(c);
}

static void test_apply_defaults(void)
{
        sl_configdef_set_t s = set2();
        sl_strmap_t *c = sl_strmap_new(), *m;

        sl_strmap_set(c, "name", "c1");
        sl_strmap_set(c, "mode", "tail");
        m = sl_configdef_apply_defaults(&s, c);
        CHECK_STR(sl_strmap_get(m, "name"), "c1");
        CHECK_STR(sl_strmap_get(m, "mode"), "tail");
        CHECK_STR(sl_strmap_get(m, "tasks.max"), "1");
        CHECK_STR(sl_strmap_get(m, "topic"), "default-topic"); /* override */
        CHECK_STR(sl_strmap_get(m, "errors.retry.timeout"), "0");
        CHECK(!sl_strmap_has(m, "file"));
        CHECK(!sl_strmap_has(m, "password"));
        CHECK_INT(sl_strmap_count(m), 5);
        CHECK_INT(sl_strmap_count(c), 2);
        sl_strmap_destroy(m);
        sl_strmap_destroy(c);
}

static void check_json(sl_json_t *j, const char *want)
{
        char *s = sl_json_to_string(j);
        CHECK_STR(s, want);
        free(s);
        sl_json_free(j);
}

static void test_key_info(void)
{
        check_json(sl_configdef_key_info(&framework[0]),
                   "{\"name\":\"name\",\"type\":\"STRING\",\"required\":true,"
                   "\"default_value\":null,\"importance\":\"HIGH\","
                   "\"documentation\":\"Connector name\",\"group\":\"Common\","
                   "\"width\":\"MEDIUM\",\"display_name\":\"Connector name\","
                   "\"dependents\":[],\"order\":1}");
        check_json(sl_configdef_key_info(&framework[1]),
                   "{\"name\":\"tasks.max\",\"type\":\"INT\",\"required\":"
                   "false,\"default_value\":\"1\",\"importance\":\"HIGH\","
                   "\"documentation\":null,\"group\":\"Common\",\"width\":"
                   "\"NONE\",\"display_name\":\"tasks.max\",\"dependents\":"
                   "[],\"order\":3}");
        check_json(sl_configdef_key_info(&connector[3]),
                   "{\"name\":\"password\",\"type\":\"PASSWORD\","
                   "\"required\":false,\"default_value\":null,\"importance\":"
                   "\"LOW\",\"documentation\":null,\"group\":null,\"width\":"
                   "\"NONE\",\"display_name\":\"password\",\"dependents\":[],"
                   "\"order\":0}");
        sl_config_def_t d = {.name = "l", .type = SL_CFG_LIST,
                             .default_value = "", .width = SL_CFG_WIDTH_LONG,
                             .importance = SL_CFG_MEDIUM, .order = -1};
        check_json(sl_configdef_key_info(&d),
                   "{\"name\":\"l\",\"type\":\"LIST\",\"required\":false,"
                   "\"default_value\":\"\",\"importance\":\"MEDIUM\","
                   "\"documentation\":null,\"group\":null,\"width\":\"LONG\","
                   "\"display_name\":\"l\",\"dependents\":[],\"order\":-1}");
}

static void test_config_infos(void)
{
        sl_configdef_set_t s = set2();
        sl_strmap_t *c = sl_strmap_new();
        sl_config_errors_t *e = sl_config_errors_new();
        sl_json_t *j, *configs, *ci, *v;
        char *str;

        sl_strmap_set(c, "name", "c1");
        sl_strmap_set(c, "tasks.max", "0");
        sl_strmap_set(c, "password", "hunter2");
        sl_strmap_set(c, "consumer.override.x", "y");
        sl_configdef_validate(&s, c, e);
        sl_config_error_add(e, "consumer.override.x", "not allowed");
        j = sl_configdef_config_infos(&s, "FileStreamSource", c, e);
        CHECK(j != NULL);

        CHECK_STR(sl_json_object_get_str(j, "name"), "FileStreamSource");
        CHECK_INT(sl_json_object_get(j, "error_count")->u.i, 3);
        str = sl_json_to_string(sl_json_object_get(j, "groups"));
        CHECK_STR(str, "[\"Common\",\"Conn\",\"Error Handling\"]");
        free(str);

        configs = sl_json_object_get(j, "configs");
        CHECK(configs && configs->type == SL_JSON_ARRAY);
        /* name, tasks.max, topic, errors.retry.timeout, file, mode,
         * password, then the undefined key with errors */
        CHECK_INT(configs->u.arr.len, 8);

        ci = configs->u.arr.items[0];
        str = sl_json_to_string(sl_json_object_get(ci, "value"));
        CHECK_STR(str, "{\"name\":\"name\",\"value\":\"c1\","
                       "\"recommended_values\":[],\"errors\":[],"
                       "\"visible\":true}");
        free(str);

        ci = configs->u.arr.items[1];
        str = sl_json_to_string(sl_json_object_get(ci, "value"));
        CHECK_STR(str, "{\"name\":\"tasks.max\",\"value\":\"0\","
                       "\"recommended_values\":[],\"errors\":[\"Invalid value "
                       "0 for configuration tasks.max: Value must be at least "
                       "1\"],\"visible\":true}");
        free(str);

        /* overridden key: first position, later definition */
        ci = configs->u.arr.items[2];
        CHECK_STR(sl_json_object_get_str(sl_json_object_get(ci, "definition"),
                                         "group"),
                  "Conn");
        v = sl_json_object_get(ci, "value");
        CHECK_STR(sl_json_object_get_str(v, "value"), "default-topic");

        ci = configs->u.arr.items[4];
        str = sl_json_to_string(sl_json_object_get(ci, "value"));
        CHECK_STR(str, "{\"name\":\"file\",\"value\":null,"
                       "\"recommended_values\":[],\"errors\":[\"Missing "
                       "required configuration \\\"file\\\" which has no "
                       "default value.\"],\"visible\":true}");
        free(str);

        ci = configs->u.arr.items[5];
        str = sl_json_to_string(sl_json_object_get(ci, "value"));
        CHECK_STR(str, "{\"name\":\"mode\",\"value\":\"bulk\","
                       "\"recommended_values\":[\"bulk\",\"tail\"],"
                       "\"errors\":[],\"visible\":true}");
        free(str);

        ci = configs->u.arr.items[6];
        v = sl_json_object_get(ci, "value");
        CHECK_STR(sl_json_object_get_str(v, "value"), "[hidden]");

        ci = configs->u.arr.items[7];
        str = sl_json_to_string(ci);
        CHECK_STR(str, "{\"definition\":null,\"value\":{\"name\":"
                       "\"consumer.override.x\",\"value\":\"y\","
                       "\"recommended_values\":[],\"errors\":[\"not "
                       "allowed\"],\"visible\":true}}");
        free(str);

        sl_json_free(j);
        sl_config_errors_destroy(e);
        sl_strmap_destroy(c);
}

static void test_config_infos_no_errors(void)
{
        static const sl_config_def_t one[] = {
                {.name = "a", .type = SL_CFG_STRING},
                {.name = NULL},
        };
        sl_configdef_set_t s = {.n = 0};
        sl_configdef_set_add(&s, one);
        check_json(sl_configdef_config_infos(&s, "X", NULL, NULL),
                   "{\"name\":\"X\",\"error_count\":0,\"groups\":[],"
                   "\"configs\":[{\"definition\":{\"name\":\"a\",\"type\":"
                   "\"STRING\",\"required\":false,\"default_value\":null,"
                   "\"importance\":\"HIGH\",\"documentation\":null,\"group\":"
                   "null,\"width\":\"NONE\",\"display_name\":\"a\","
                   "\"dependents\":[],\"order\":0},\"value\":{\"name\":\"a\","
                   "\"value\":null,\"recommended_values\":[],\"errors\":[],"
                   "\"visible\":true}}]}");
}

static void test_readers(void)
{
        sl_strmap_t *c = sl_strmap_new();

        sl_strmap_set(c, "s", "str");
        sl_strmap_set(c, "l", " 42 ");
        sl_strmap_set(c, "bad", "4x");
        sl_strmap_set(c, "b", "TRUE");
        sl_strmap_set(c, "d", "2.5");
        CHECK_STR(sl_config_str(c, "s"), "str");
        CHECK(sl_config_str(c, "none") == NULL);
        CHECK_INT(sl_config_long(c, "l", 7), 42);
        CHECK_INT(sl_config_long(c, "bad", 7), 7);
        CHECK_INT(sl_config_long(c, "none", 7), 7);
        CHECK(sl_config_bool(c, "b", false) == true);
        CHECK(sl_config_bool(c, "s", true) == true);
        CHECK(sl_config_bool(c, "none", false) == false);
        CHECK(sl_config_double(c, "d", 0) == 2.5);
        CHECK(sl_config_double(c, "s", 1.5) == 1.5);
        sl_strmap_destroy(c);
}

static void test_list_reader(void)
{
        char **items;
        int n = sl_config_list(" a , b,,c ,  ,", &items);

        CHECK_INT(n, 3);
        if (n == 3) {
                CHECK_STR(items[0], "a");
                CHECK_STR(items[1], "b");
                CHECK_STR(items[2], "c");
        }
        sl_config_list_free(items, n);
        CHECK_INT(sl_config_list("", &items), 0);
        sl_config_list_free(items, 0);
        CHECK_INT(sl_config_list(NULL, &items), 0);
        sl_config_list_free(items, 0);
}

int main(void)
{
        RUN(test_type_names);
        RUN(test_missing_required);
        RUN(test_numbers);
        RUN(test_boolean);
        RUN(test_range);
        RUN(test_valid_values);
        RUN(test_nonempty);
        RUN(test_validator);
        RUN(test_default_is_validated);
        RUN(test_class_and_password);
        RUN(test_find_and_override);
        RUN(test_errors_collection);
        RUN(test_validate_set);
        RUN(test_apply_defaults);
        RUN(test_key_info);
        RUN(test_config_infos);
        RUN(test_config_infos_no_errors);
        RUN(test_readers);
        RUN(test_list_reader);
        TEST_MAIN_END();
}
