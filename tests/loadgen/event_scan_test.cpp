// The load generator reads a delivered event's fields on a fast path for its own bytes and by
// search for any other layout; both must read the same numbers, and the fast path must refuse
// what it does not recognise rather than misread it.
#include "event_scan.hpp"

#include <catch2/catch.hpp>

#include <string>

using glasshub::loadgen::fields_after_seq;
using glasshub::loadgen::int_field;

TEST_CASE("the fast path reads seq, t and m as the load generator writes them", "[loadgen]") {
  const auto f = fields_after_seq(R"(123456,"t":53912345678901,"m":1},"timestamp":"x"})");
  REQUIRE(f);
  CHECK(f->seq == 123456);
  CHECK(f->sent_at == 53912345678901);
  CHECK(f->measured == 1);

  const auto padded = fields_after_seq(R"(0,"t":7,"m":0,"pad":"xx"})");
  REQUIRE(padded);
  CHECK(padded->seq == 0);
  CHECK(padded->sent_at == 7);
  CHECK(padded->measured == 0);
}

TEST_CASE("the fast path refuses any other layout", "[loadgen]") {
  CHECK_FALSE(fields_after_seq(R"(-1,"t":0,"m":0})"));             // a probe: signed
  CHECK_FALSE(fields_after_seq(R"( 5,"t":1,"m":1})"));             // a space
  CHECK_FALSE(fields_after_seq(R"(5, "t":1,"m":1})"));
  CHECK_FALSE(fields_after_seq(R"(5,"m":1,"t":1})"));              // another order
  CHECK_FALSE(fields_after_seq(R"(5,"t":1,"m":1)"));               // cut short
  CHECK_FALSE(fields_after_seq(R"(5,"t":1234567890123456789,"m":1})"));  // 19 digits
  CHECK_FALSE(fields_after_seq(R"(5,"t":1.5,"m":1})"));
}

TEST_CASE("the search reads the same fields from another server's layout", "[loadgen]") {
  const std::string text =
      R"({"data": {"m": 1, "t": 99, "u": 3, "seq": 41, "type":"bench_event"}, "type":"data_stream"})";
  std::size_t from = 0;
  CHECK(int_field(text, from, R"("m":)") == 1);
  CHECK(int_field(text, from, R"("t":)") == 99);
  CHECK(int_field(text, from, R"("u":)") == 3);
  CHECK(int_field(text, from, R"("seq":)") == 41);
  CHECK_FALSE(int_field(text, from, R"("u":)"));  // nothing after the last one read
}
