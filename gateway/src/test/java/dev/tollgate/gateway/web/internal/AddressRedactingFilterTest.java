package dev.tollgate.gateway.web.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AddressRedactingFilterTest {

  @Test
  void addressesAreReplaced() {
    assertThat(
            AddressRedactingFilter.redact(
                "[4f2a1b3c-1, L:/127.0.0.1:8080 - R:/203.0.113.7:51234] Decoding failed"))
        .isEqualTo("[4f2a1b3c-1, L:/<address> - R:/<address>] Decoding failed");
    assertThat(AddressRedactingFilter.redact("R:/[0:0:0:0:0:0:0:1]:5555 closed"))
        .isEqualTo("R:/<address> closed");
    assertThat(AddressRedactingFilter.redact("from ::1 and 2001:db8::7 and fe80:0:0:0:0:0:0:1"))
        .isEqualTo("from <address> and <address> and <address>");
    assertThat(AddressRedactingFilter.redact("client 10.1.2.3 said"))
        .isEqualTo("client <address> said");
  }

  @Test
  void textWithoutAddressesIsLeftAlone() {
    assertThat(AddressRedactingFilter.redact("took 12:30:05, version 1.3.6, cost 0.25")).isNull();
    assertThat(AddressRedactingFilter.redact("req_0123abcd model=gpt-4o tokens=12")).isNull();
    assertThat(AddressRedactingFilter.redact(null)).isNull();
  }
}
