// SigV4 against the worked examples of AWS's S3 API Reference, "Signature Calculations for the
// Authorization Header: Transferring Payload in a Single Chunk" (sig-v4-header-based-auth):
// access key AKIAIOSFODNN7EXAMPLE, secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY,
// 20130524T000000Z, us-east-1, bucket examplebucket (virtual-hosted).
#include <gtest/gtest.h>

#include "storage/s3/sigv4.hpp"

namespace cosmicai::storage::s3 {
namespace {

const Credentials kExample{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};

SignInput example(std::string method, std::string uri, std::string query, std::string payload_hash) {
  SignInput in;
  in.method = std::move(method);
  in.canonical_uri = std::move(uri);
  in.canonical_query = std::move(query);
  in.payload_hash = std::move(payload_hash);
  in.amz_date = "20130524T000000Z";
  in.region = "us-east-1";
  in.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                {"x-amz-date", in.amz_date},
                {"x-amz-content-sha256", in.payload_hash}};
  return in;
}

TEST(SigV4, AwsExampleGetObjectWithRange) {
  auto in = example("GET", "/test.txt", "", std::string(kEmptyPayloadHash));
  in.headers.emplace_back("Range", "bytes=0-9");
  EXPECT_EQ(canonical_request(in),
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(string_to_sign(in),
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(authorization(in, kExample),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, AwsExamplePutObjectWithDollarInKey) {
  const std::string body = "Welcome to Amazon S3.";
  const std::string hash = sha256_hex(body);
  EXPECT_EQ(hash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  auto in = example("PUT", "/" + uri_encode("test$file.text", true), "", hash);
  EXPECT_EQ(in.canonical_uri, "/test%24file.text");
  in.headers.emplace_back("Date", "Fri, 24 May 2013 00:00:00 GMT");
  in.headers.emplace_back("x-amz-storage-class", "REDUCED_REDUNDANCY");
  EXPECT_EQ(string_to_sign(in),
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d");
  EXPECT_EQ(signature(in, kExample), "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4, AwsExampleGetBucketLifecycleValuelessParameter) {
  auto in = example("GET", "/", canonical_query({{"lifecycle", ""}}), std::string(kEmptyPayloadHash));
  EXPECT_EQ(in.canonical_query, "lifecycle=");
  EXPECT_EQ(string_to_sign(in),
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca");
  EXPECT_EQ(signature(in, kExample), "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4, AwsExampleListObjectsSortsTheQuery) {
  // Given out of order: the canonical query sorts by name.
  auto in = example("GET", "/", canonical_query({{"prefix", "J"}, {"max-keys", "2"}}), std::string(kEmptyPayloadHash));
  EXPECT_EQ(in.canonical_query, "max-keys=2&prefix=J");
  EXPECT_EQ(string_to_sign(in),
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7");
  EXPECT_EQ(signature(in, kExample), "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4, EncodingIsRfc3986WithUppercaseHex) {
  EXPECT_EQ(uri_encode("Anomaly Detection/model.pt", true), "Anomaly%20Detection/model.pt");
  EXPECT_EQ(uri_encode("data/", false), "data%2F");
  EXPECT_EQ(uri_encode("a+b=c,d;e~f_g-h.i*j!k'l(m)n&o", true), "a%2Bb%3Dc%2Cd%3Be~f_g-h.i%2Aj%21k%27l%28m%29n%26o");
  EXPECT_EQ(uri_encode("\xc3\xa9\xc3\xbc", true), "%C3%A9%C3%BC");  // é ü
  EXPECT_EQ(canonical_query({{"prefix", "data/"}, {"list-type", "2"}, {"continuation-token", "a+b/c="}}),
            "continuation-token=a%2Bb%2Fc%3D&list-type=2&prefix=data%2F");
  EXPECT_EQ(canonical_query({{"uploads", ""}}), "uploads=");
}

TEST(SigV4, HeaderValuesAreTrimmedAndNamesLowercased) {
  SignInput in;
  in.method = "GET";
  in.canonical_uri = "/";
  in.payload_hash = "UNSIGNED-PAYLOAD";
  in.amz_date = "20240101T000000Z";
  in.region = "eu-west-1";
  in.headers = {{"X-Amz-Meta-A", "  two   spaces  "}, {"Host", "h"}};
  EXPECT_EQ(canonical_request(in), "GET\n/\n\nhost:h\nx-amz-meta-a:two spaces\n\nhost;x-amz-meta-a\nUNSIGNED-PAYLOAD");
}

TEST(SigV4, AmzDateIsBasicIso8601Utc) {
  EXPECT_EQ(amz_date(std::chrono::system_clock::from_time_t(1369353600)), "20130524T000000Z");
}

}  // namespace
}  // namespace cosmicai::storage::s3
