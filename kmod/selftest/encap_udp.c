// SPDX-License-Identifier: GPL-2.0
/*
 * In-module selftest of encap_udp.c, #included at its end when built with
 * BURROW_SELFTEST so that it can reach the file's static functions; never
 * compiled on its own (Kbuild lists only the implementation files).
 */

/* A header built by hand from the layout in encap_udp.h, independent of _build. */
static const u8 burrow_st_wire_ref[BURROW_WIRE_HEADER_LEN] = {
	0x01, 0xa7, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef,
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
};

/* Parse @pkt and expect it @valid; a refusal must leave the fields alone. */
static bool burrow_st_wire_expect(const u8 *pkt, unsigned int len, bool valid,
				  const char *what)
{
	struct burrow_wire_fields f, untouched;
	bool got;

	memset(&f, 0xcc, sizeof(f));
	memset(&untouched, 0xcc, sizeof(untouched));
	got = burrow_wire_header_parse(pkt, len, &f);
	if (got != valid || (!got && memcmp(&f, &untouched, sizeof(f)))) {
		pr_err("selftest wire: %s (len %u): got %s, want %s\n",
		       what, len, got ? "valid" : "refused", valid ? "valid" : "refused");
		return false;
	}
	return true;
}

static bool burrow_st_wire_roundtrip(u8 *pkt, u8 key_id, u32 receiver_id,
				     u64 counter, unsigned int len)
{
	struct burrow_wire_header *hdr = (struct burrow_wire_header *)pkt;
	struct burrow_wire_fields f;
	bool valid;

	burrow_wire_header_build(hdr, key_id, receiver_id, counter);
	valid = burrow_wire_header_parse(pkt, len, &f);
	if (!valid || f.key_id != key_id || f.receiver_id != receiver_id ||
	    f.counter != counter || f.payload_len != len - BURROW_WIRE_HEADER_LEN ||
	    burrow_wire_is_quic(pkt[0])) {
		pr_err("selftest wire: round trip key %u receiver %u counter %llu len %u: %s\n",
		       key_id, receiver_id, counter, len, valid ? "fields differ" : "refused");
		return false;
	}
	return true;
}

bool burrow_wire_selftest(void)
{
	/* +1: parse and build also run at an odd address. */
	u8 buf[BURROW_WIRE_MIN_LEN + 64 + 1] __aligned(8);
	u8 *pkt = buf + 1;
	struct burrow_wire_fields f;
	bool ok = true;
	unsigned int i;

	/* Encoder against the hand-built bytes; decoder back. */
	memset(buf, 0xee, sizeof(buf));
	burrow_wire_header_build((struct burrow_wire_header *)pkt, 0xa7,
				 0xdeadbeef, 0x0123456789abcdefULL);
	if (memcmp(pkt, burrow_st_wire_ref, sizeof(burrow_st_wire_ref)) ||
	    pkt[BURROW_WIRE_HEADER_LEN] != 0xee || buf[0] != 0xee) {
		pr_err("selftest wire: encoder layout mismatch\n");
		ok = false;
	}
	if (!burrow_wire_header_parse(burrow_st_wire_ref, BURROW_WIRE_MIN_LEN, &f) ||
	    f.key_id != 0xa7 || f.receiver_id != 0xdeadbeef ||
	    f.counter != 0x0123456789abcdefULL || f.payload_len != 16) {
		pr_err("selftest wire: decoder mismatch on reference\n");
		ok = false;
	}

	/* Round trips at the extremes, keepalive and longer packets. */
	ok &= burrow_st_wire_roundtrip(pkt, 0, 0, 0, BURROW_WIRE_MIN_LEN);
	ok &= burrow_st_wire_roundtrip(pkt, 0xff, U32_MAX, U64_MAX,
				       BURROW_WIRE_MIN_LEN + 1);
	ok &= burrow_st_wire_roundtrip(pkt, 0x40, 0x40404040, 1ULL << 63,
				       BURROW_WIRE_MIN_LEN + 64);
	ok &= burrow_st_wire_roundtrip(pkt, 1, 0x80000001, 0xfffffffffffffffeULL,
				       UINT_MAX);

	/* Every length below a keepalive fails, header or tag missing. */
	burrow_wire_header_build((struct burrow_wire_header *)pkt, 1, 2, 3);
	for (i = 0; i < BURROW_WIRE_MIN_LEN; i++)
		ok &= burrow_st_wire_expect(pkt, i, false, "short");
	ok &= burrow_st_wire_expect(pkt, BURROW_WIRE_MIN_LEN, true, "keepalive");

	/* The frame types parse and say which they are (the mode check is rx_classify's). */
	pkt[0] = BURROW_WIRE_TYPE_ETH;
	if (!burrow_wire_header_parse(pkt, BURROW_WIRE_MIN_LEN, &f) ||
	    f.type != BURROW_WIRE_TYPE_ETH) {
		pr_err("selftest wire: type 0x03 not parsed as an Ethernet frame\n");
		ok = false;
	}
	pkt[0] = BURROW_WIRE_TYPE_ETH_FRAG;
	if (!burrow_wire_header_parse(pkt, BURROW_WIRE_MIN_LEN, &f) ||
	    f.type != BURROW_WIRE_TYPE_ETH_FRAG) {
		pr_err("selftest wire: type 0x05 not parsed as a fragment\n");
		ok = false;
	}

	/* Every other type byte is refused; QUIC ones also test as QUIC. */
	for (i = 0; i < 256; i++) {
		pkt[0] = i;
		if (i == BURROW_WIRE_TYPE_DATA || i == BURROW_WIRE_TYPE_ETH ||
		    i == BURROW_WIRE_TYPE_ETH_FRAG)
			continue;
		ok &= burrow_st_wire_expect(pkt, BURROW_WIRE_MIN_LEN,
					    false, "type");
		if (burrow_wire_is_quic(i) != !!(i & 0x40)) {
			pr_err("selftest wire: is_quic(0x%02x) wrong\n", i);
			ok = false;
		}
	}
	/* A bad type with a short length after the header. */
	pkt[0] = 0x41;
	ok &= burrow_st_wire_expect(pkt, BURROW_WIRE_HEADER_LEN, false, "quic type");
	pkt[0] = BURROW_WIRE_TYPE_DATA;

	/* Any nonzero bit in either reserved byte is refused. */
	for (i = 0; i < 16; i++) {
		pkt[2 + i / 8] = 1 << (i % 8);
		ok &= burrow_st_wire_expect(pkt, BURROW_WIRE_MIN_LEN,
					    false, "reserved");
		pkt[2 + i / 8] = 0;
	}
	ok &= burrow_st_wire_expect(pkt, BURROW_WIRE_MIN_LEN, true, "restored");

	if (ok)
		pr_info("selftest wire: passed\n");
	return ok;
}
