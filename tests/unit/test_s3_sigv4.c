/* SHA-256, HMAC-SHA256 and SigV4 against published vectors; SigV4 URI
 * encoding; the S3 XML parser on sample responses. */
#include <stdlib.h>
#include <string.h>

#include "s3/s3_client.h"
#include "sl_test.h"

static void hex(const uint8_t *p, size_t n, char *out)
{
        for (size_t i = 0; i < n; i++)
                sprintf(out + 2 * i, "%02x", p[i]);
}

static void sha_str(const char *s, char out[65])
{
        struct iovec iv = {(void *)s, strlen(s)};
        s3_sha256_hex(&iv, 1, out);
}

static void test_sha256_vectors(void)
{
        char h[65];
        sha_str("", h);
        CHECK_STR(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        sha_str("abc", h);
        CHECK_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        sha_str("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", h);
        CHECK_STR(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_sha256_million_a_in_pieces(void)
{
        char *a = malloc(1000000);
        memset(a, 'a', 1000000);
        char h[65];
        struct iovec one = {a, 1000000};
        s3_sha256_hex(&one, 1, h);
        CHECK_STR(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
        /* uneven pieces cross block boundaries at every offset mod 64 */
        struct iovec parts[4] = {{a, 1}, {a, 63}, {a, 65}, {a, 1000000 - 129}};
        s3_sha256_hex(parts, 4, h);
        CHECK_STR(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
        free(a);
}

static void hmac_check(const void *key, size_t kl, const void *msg, size_t ml,
                       const char *want)
{
        uint8_t d[32];
        char h[65];
        s3_hmac_sha256(key, kl, msg, ml, d);
        hex(d, 32, h);
        CHECK_STR(h, want);
}

static void test_hmac_rfc4231(void)
{
        uint8_t k[131], m[50];
        memset(k, 0x0b, 20);
        hmac_check(k, 20, "Hi There", 8,
                   "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
        hmac_check("Jefe", 4, "what do ya want for nothing?", 28,
                   "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        memset(k, 0xaa, sizeof(k));
        memset(m, 0xdd, sizeof(m));
        hmac_check(k, 20, m, 50,
                   "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
        const char *t6 = "Test Using Larger Than Block-Size Key - Hash Key First";
        hmac_check(k, 131, t6, strlen(t6),
                   "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
        const char *t7 = "This is a test using a larger than block-size key and a larger "
                         "than block-size data. The key needs to be hashed before being "
                         "used by the HMAC algorithm.";
        hmac_check(k, 131, t7, strlen(t7),
                   "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

#define AWS_AK "AKIAIOSFODNN7EXAMPLE"
#define AWS_SK "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define EMPTY_SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* "GET Object" example of the S3 SigV4 documentation (header auth). */
static void test_sigv4_aws_get_example(void)
{
        char *auth = s3_sigv4_authorization(
                AWS_AK, AWS_SK, "us-east-1", "s3", "20130524T000000Z", "GET", "/test.txt", "",
                "host:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
                "x-amz-content-sha256:" EMPTY_SHA "\nx-amz-date:20130524T000000Z",
                "host;range;x-amz-content-sha256;x-amz-date", EMPTY_SHA);
        CHECK_STR(auth, "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/"
                        "s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;"
                        "x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170a"
                        "ba48dd91039c6036bdb41");
        free(auth);
        /* a different secret must change the signature */
        auth = s3_sigv4_authorization(
                AWS_AK, "other", "us-east-1", "s3", "20130524T000000Z", "GET", "/test.txt", "",
                "host:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
                "x-amz-content-sha256:" EMPTY_SHA "\nx-amz-date:20130524T000000Z",
                "host;range;x-amz-content-sha256;x-amz-date", EMPTY_SHA);
        CHECK(auth && !strstr(auth, "f0e8bdb87c964420"));
        free(auth);
}

/* "PUT Object" example: a payload hash and an encoded '$' in the key. */
static void test_sigv4_aws_put_example(void)
{
        const char *body = "Welcome to Amazon S3.";
        struct iovec iv = {(void *)body, strlen(body)};
        char ph[65];
        s3_sha256_hex(&iv, 1, ph);
        CHECK_STR(ph, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
        sl_buf_t uri = SL_BUF_INIT;
        sl_buf_puts(&uri, "/");
        s3_uri_encode(&uri, "test$file.text", 14, 1);
        CHECK_STR(uri.data, "/test%24file.text");
        sl_buf_t hdrs = SL_BUF_INIT;
        sl_buf_printf(&hdrs, "date:Fri, 24 May 2013 00:00:00 GMT\nhost:examplebucket.s3."
                             "amazonaws.com\nx-amz-content-sha256:%s\nx-amz-date:20130524"
                             "T000000Z\nx-amz-storage-class:REDUCED_REDUNDANCY", ph);
        char *auth = s3_sigv4_authorization(
                AWS_AK, AWS_SK, "us-east-1", "s3", "20130524T000000Z", "PUT", uri.data, "",
                hdrs.data, "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
                ph);
        CHECK_CONTAINS(auth, "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b59"
                             "71af0ece108bd");
        free(auth);
        sl_buf_free(&uri);
        sl_buf_free(&hdrs);
}

/* "GET Bucket (List Objects)" example: a canonical query string. */
static void test_sigv4_aws_list_example(void)
{
        char *auth = s3_sigv4_authorization(
                AWS_AK, AWS_SK, "us-east-1", "s3", "20130524T000000Z", "GET", "/",
                "max-keys=2&prefix=J",
                "host:examplebucket.s3.amazonaws.com\nx-amz-content-sha256:" EMPTY_SHA
                "\nx-amz-date:20130524T000000Z",
                "host;x-amz-content-sha256;x-amz-date", EMPTY_SHA);
        CHECK_CONTAINS(auth, "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5"
                             "711ef69dc6f7");
        free(auth);
}

static void enc(const char *s, int keep_slash, const char *want)
{
        sl_buf_t b = SL_BUF_INIT;
        CHECK_INT(s3_uri_encode(&b, s, strlen(s), keep_slash), 0);
        CHECK_STR(b.data, want);
        sl_buf_free(&b);
}

static void test_uri_encode(void)
{
        enc("topics/t/partition=0/t+0+0000000000.json", 1,
            "topics/t/partition%3D0/t%2B0%2B0000000000.json");
        enc("a/b", 0, "a%2Fb");
        enc("a b~c-d_e.f", 1, "a%20b~c-d_e.f");
        enc("\xc3\xa9*", 1, "%C3%A9%2A");
        enc("", 1, "");
}

static const char LIST_XML[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<Name>bkt</Name><Prefix>topics/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>"
        "<IsTruncated>true</IsTruncated>"
        "<Contents><Key>topics/a &amp; b/x&lt;1&gt;.json</Key><LastModified>2026-01-01T00:00:00"
        ".000Z</LastModified><ETag>&quot;0cc175b9c0f1b6a831c399e269772661&quot;</ETag>"
        "<Size>12</Size><StorageClass>STANDARD</StorageClass></Contents>"
        "<Contents><Key>topics/&#233;&#x41;</Key><ETag>\"e\"</ETag><Size>0</Size></Contents>"
        "<NextContinuationToken>tok/+=</NextContinuationToken><StartAfter/>"
        "</ListBucketResult>";

static void test_xml_list(void)
{
        s3_object_t *o;
        size_t n;
        char *next, err[128];
        CHECK_INT(s3_xml_parse_list(LIST_XML, strlen(LIST_XML), &o, &n, &next, err,
                                    sizeof(err)), 0);
        CHECK_INT(n, 2);
        if (n == 2) {
                CHECK_STR(o[0].key, "topics/a & b/x<1>.json");
                CHECK_INT(o[0].size, 12);
                CHECK_STR(o[0].etag, "\"0cc175b9c0f1b6a831c399e269772661\"");
                CHECK_STR(o[1].key, "topics/\xc3\xa9" "A");
                CHECK_INT(o[1].size, 0);
        }
        CHECK_STR(next, "tok/+=");
        s3_objects_free(o, n);
        free(next);

        const char *last = "<ListBucketResult><IsTruncated>false</IsTruncated>"
                           "<NextContinuationToken>x</NextContinuationToken></ListBucketResult>";
        CHECK_INT(s3_xml_parse_list(last, strlen(last), &o, &n, &next, err, sizeof(err)), 0);
        CHECK_INT(n, 0);
        CHECK(next == NULL);
        s3_objects_free(o, n);

        const char *cut = "<ListBucketResult><Contents><Key>a</Key><Size>1";
        CHECK_INT(s3_xml_parse_list(cut, strlen(cut), &o, &n, &next, err, sizeof(err)),
                  SL_ERR_PARSE);
        const char *other = "<html>oops</html>";
        CHECK_INT(s3_xml_parse_list(other, strlen(other), &o, &n, &next, err, sizeof(err)),
                  SL_ERR_PARSE);
}

static void test_xml_uploads(void)
{
        const char *x = "<?xml version='1.0'?><ListMultipartUploadsResult><Bucket>b</Bucket>"
                        "<KeyMarker/><NextKeyMarker>k2</NextKeyMarker>"
                        "<NextUploadIdMarker>u2</NextUploadIdMarker>"
                        "<IsTruncated>true</IsTruncated>"
                        "<Upload><Key>k1</Key><UploadId>u1</UploadId></Upload>"
                        "<Upload><Key>k2</Key><UploadId>u2</UploadId></Upload>"
                        "</ListMultipartUploadsResult>";
        s3_upload_t *u;
        size_t n;
        char *nk, *nu, err[128];
        CHECK_INT(s3_xml_parse_uploads(x, strlen(x), &u, &n, &nk, &nu, err, sizeof(err)), 0);
        CHECK_INT(n, 2);
        if (n == 2) {
                CHECK_STR(u[0].key, "k1");
                CHECK_STR(u[0].upload_id, "u1");
                CHECK_STR(u[1].key, "k2");
        }
        CHECK_STR(nk, "k2");
        CHECK_STR(nu, "u2");
        s3_uploads_free(u, n);
        free(nk);
        free(nu);
}

static void test_xml_error_and_text(void)
{
        const char *x = "<?xml version='1.0' encoding='UTF-8'?>\n<Error><Code>SignatureDoes"
                        "NotMatch</Code><Message>The request signature we calculated does "
                        "not match</Message><RequestId>tx1</RequestId></Error>";
        char err[256];
        CHECK_INT(s3_xml_error(x, strlen(x), err, sizeof(err)), 1);
        CHECK_STR(err, "SignatureDoesNotMatch: The request signature we calculated does "
                       "not match");
        CHECK_INT(s3_xml_error(LIST_XML, strlen(LIST_XML), err, sizeof(err)), 0);
        CHECK_INT(s3_xml_error(NULL, 0, err, sizeof(err)), 0);

        const char *init = "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>"
                           "<UploadId>abc-123</UploadId></InitiateMultipartUploadResult>";
        char *id = s3_xml_text(init, strlen(init), "UploadId");
        CHECK_STR(id, "abc-123");
        free(id);
        CHECK(s3_xml_text(init, strlen(init), "Upload") == NULL);
        char *k = s3_xml_text(init, strlen(init), "Key");
        CHECK_STR(k, "k");
        free(k);
}

int main(void)
{
        RUN(test_sha256_vectors);
        RUN(test_sha256_million_a_in_pieces);
        RUN(test_hmac_rfc4231);
        RUN(test_sigv4_aws_get_example);
        RUN(test_sigv4_aws_put_example);
        RUN(test_sigv4_aws_list_example);
        RUN(test_uri_encode);
        RUN(test_xml_list);
        RUN(test_xml_uploads);
        RUN(test_xml_error_and_text);
        TEST_MAIN_END();
}
