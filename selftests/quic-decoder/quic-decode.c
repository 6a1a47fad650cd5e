// SPDX-License-Identifier: GPL-2.0
/*
 * quic-decode: an independent decoder of burrow's quic encapsulation, for
 * the VM tests. It shares no code with the kernel module: packet protection
 * is GnuTLS's (AEAD, AES-ECB as one CBC block with a zero IV, ChaCha20 with
 * a 32-bit counter), and the layout is read from RFC 9000/9001/9221/9297/
 * 9484 as docs/wire-format.md states it.
 *
 *   quic-decode CIPHER CID_LEN PORT PCAP KEYFILE...
 *
 * Reads a classic pcap of Ethernet frames (tcpdump -w), takes every UDP
 * datagram to PORT, and decrypts it with the receive keys in the key files
 * (key || IV || hp key in hex, as burrow-nl reads them; the file's key id
 * parity is its key phase, given as FILE:PHASE). Prints one line per packet:
 *
 *   pn=17 pn_len=1 phase=1 dcid=c2c2c2c2c2c2c2c2 frame=0x30 qsid=0 ctx=0
 *   inner=ipv4 src=10.10.0.1 dst=10.10.0.2 len=84
 *
 * (one line; "frame=padding" for a keepalive). The packet number is decoded
 * against the largest so far per key phase (RFC 9000 A.3). Exit 0 if every
 * packet decoded, 1 if any failed (named on stderr), 2 on bad arguments.
 *
 *   quic-decode forge CIPHER KEYFILE:PHASE DCID PN KIND OUT
 *
 * Writes one protected packet with a 4-byte packet number PN to OUT, with
 * the send key of KEYFILE, for the tests of what a receiver must refuse
 * after authentication. KIND: keepalive (PADDING only, valid), reserved
 * (valid DATAGRAM but reserved bits set), ping (a PING frame), context
 * (context ID 1), stream (quarter stream ID 1), truncated (0x31 DATAGRAM
 * whose length runs past the packet), second (a 0x31 DATAGRAM followed by
 * another DATAGRAM), empty (no frames at all: only the AEAD tag follows the
 * 4-byte packet number, as a sender that forgot to pad would send).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct phase_key {
	bool present;
	uint8_t key[32], iv[12], hp[32];
	bool have_largest;
	uint64_t largest;
};

static struct {
	gnutls_cipher_algorithm_t aead, hp;
	unsigned int key_len;
} suite;

static int hex_nibble(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int load_key(const char *arg, struct phase_key *keys)
{
	char path[512], text[512];
	const char *colon = strrchr(arg, ':');
	size_t want = 2 * (2 * suite.key_len + 12), n = 0;
	uint8_t bytes[76];
	FILE *f;
	int phase;

	if (!colon || (colon[1] != '0' && colon[1] != '1') || colon[2] ||
	    (size_t)(colon - arg) >= sizeof(path)) {
		fprintf(stderr, "quic-decode: key argument '%s' is not FILE:PHASE\n", arg);
		return -1;
	}
	phase = colon[1] - '0';
	memcpy(path, arg, (size_t)(colon - arg));
	path[colon - arg] = 0;
	f = fopen(path, "r");
	if (!f || !fgets(text, sizeof(text), f)) {
		fprintf(stderr, "quic-decode: cannot read key file '%s'\n", path);
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	text[strcspn(text, "\r\n")] = 0;
	if (strlen(text) != want) {
		fprintf(stderr, "quic-decode: key file '%s' has %zu hex digits, want %zu\n", path,
			strlen(text), want);
		return -1;
	}
	for (n = 0; n < want / 2; n++) {
		int hi = hex_nibble(text[2 * n]), lo = hex_nibble(text[2 * n + 1]);

		if (hi < 0 || lo < 0) {
			fprintf(stderr, "quic-decode: key file '%s' is not hex\n", path);
			return -1;
		}
		bytes[n] = (uint8_t)(hi << 4 | lo);
	}
	keys[phase].present = true;
	memcpy(keys[phase].key, bytes, suite.key_len);
	memcpy(keys[phase].iv, bytes + suite.key_len, 12);
	memcpy(keys[phase].hp, bytes + suite.key_len + 12, suite.key_len);
	return 0;
}

/* RFC 9001 §5.4: 5 mask bytes from the 16-byte sample. */
static int hp_mask(const uint8_t *hp, const uint8_t *sample, uint8_t *mask)
{
	gnutls_datum_t key = { (unsigned char *)hp, suite.key_len };
	uint8_t zero_iv[16] = { 0 }, block[16] = { 0 };
	gnutls_datum_t iv = { zero_iv, 16 };
	gnutls_cipher_hd_t hd;
	int ret;

	if (suite.hp == GNUTLS_CIPHER_CHACHA20_32) {
		iv.data = (unsigned char *)sample;	/* counter || nonce */
		ret = gnutls_cipher_init(&hd, suite.hp, &key, &iv);
		if (ret < 0)
			return ret;
		memset(block, 0, sizeof(block));
		ret = gnutls_cipher_encrypt(hd, block, 5);
	} else {
		/* One CBC block with a zero IV is AES-ECB of the sample. */
		ret = gnutls_cipher_init(&hd, suite.hp, &key, &iv);
		if (ret < 0)
			return ret;
		memcpy(block, sample, 16);
		ret = gnutls_cipher_encrypt(hd, block, 16);
	}
	gnutls_cipher_deinit(hd);
	memcpy(mask, block, 5);
	return ret;
}

static uint64_t decode_pn(const struct phase_key *k, uint64_t truncated, unsigned int bits)
{
	uint64_t expected = k->have_largest ? k->largest + 1 : 0;
	uint64_t win = 1ULL << bits, hwin = win / 2, mask = win - 1;
	uint64_t candidate = (expected & ~mask) | truncated;

	if (candidate + hwin <= expected && candidate < (1ULL << 62) - win)
		return candidate + win;
	if (candidate > expected + hwin && candidate >= win)
		return candidate - win;
	return candidate;
}

static unsigned int varint(const uint8_t *p, size_t len, uint64_t *v)
{
	unsigned int n;

	if (!len)
		return 0;
	n = 1u << (p[0] >> 6);
	if (len < n)
		return 0;
	*v = p[0] & 0x3f;
	for (unsigned int i = 1; i < n; i++)
		*v = *v << 8 | p[i];
	return n;
}

static void print_inner(const uint8_t *p, size_t len)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];

	if (len >= 20 && p[0] >> 4 == 4) {
		inet_ntop(AF_INET, p + 12, src, sizeof(src));
		inet_ntop(AF_INET, p + 16, dst, sizeof(dst));
		printf(" inner=ipv4 src=%s dst=%s len=%zu", src, dst, len);
	} else if (len >= 40 && p[0] >> 4 == 6) {
		inet_ntop(AF_INET6, p + 8, src, sizeof(src));
		inet_ntop(AF_INET6, p + 24, dst, sizeof(dst));
		printf(" inner=ipv6 src=%s dst=%s len=%zu", src, dst, len);
	} else {
		printf(" inner=unknown len=%zu", len);
	}
}

/* One QUIC datagram payload; returns 0 if it decoded, -1 (reason on stderr). */
static int decode_packet(uint8_t *pkt, size_t len, unsigned int cid_len, struct phase_key *keys,
			 unsigned long index)
{
	struct phase_key *k = NULL;
	uint8_t mask[5], plain[65536], nonce[12];
	size_t pn_off = 1 + cid_len, hdr_len, plain_len, pos = 0;
	unsigned int pn_len, phase;
	uint64_t truncated = 0, pn, qsid, ctx;
	gnutls_aead_cipher_hd_t aead;
	gnutls_datum_t key;
	int ret;

	if ((pkt[0] & 0xc0) != 0x40 || len < pn_off + 4 + 16) {
		fprintf(stderr, "packet %lu: not a short header or too short (%zu bytes)\n", index,
			len);
		return -1;
	}
	/* The hp key is the same for both phases; use any present one. */
	for (unsigned int i = 0; i < 2; i++)
		if (keys[i].present)
			k = &keys[i];
	if (!k || hp_mask(k->hp, pkt + pn_off + 4, mask) < 0) {
		fprintf(stderr, "packet %lu: header protection failed\n", index);
		return -1;
	}
	pkt[0] ^= mask[0] & 0x1f;
	pn_len = (pkt[0] & 3) + 1;
	for (unsigned int i = 0; i < pn_len; i++) {
		pkt[pn_off + i] ^= mask[1 + i];
		truncated = truncated << 8 | pkt[pn_off + i];
	}
	hdr_len = pn_off + pn_len;
	phase = (pkt[0] >> 2) & 1;
	k = &keys[phase];
	if (!k->present) {
		fprintf(stderr, "packet %lu: no key for key phase %u\n", index, phase);
		return -1;
	}
	if (pkt[0] & 0x18) {
		fprintf(stderr, "packet %lu: reserved bits set (first byte %02x)\n", index, pkt[0]);
		return -1;
	}
	pn = decode_pn(k, truncated, 8 * pn_len);
	memcpy(nonce, k->iv, 12);
	for (unsigned int i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
	key.data = k->key;
	key.size = suite.key_len;
	if (gnutls_aead_cipher_init(&aead, suite.aead, &key) < 0)
		return -1;
	plain_len = sizeof(plain);
	ret = gnutls_aead_cipher_decrypt(aead, nonce, 12, pkt, hdr_len, 16, pkt + hdr_len,
					 len - hdr_len, plain, &plain_len);
	gnutls_aead_cipher_deinit(aead);
	if (ret < 0) {
		fprintf(stderr, "packet %lu: pn %llu phase %u: authentication failed: %s\n", index,
			(unsigned long long)pn, phase, gnutls_strerror(ret));
		return -1;
	}
	if (!k->have_largest || pn > k->largest)
		k->largest = pn;
	k->have_largest = true;

	printf("pn=%llu pn_len=%u phase=%u dcid=", (unsigned long long)pn, pn_len, phase);
	for (unsigned int i = 0; i < cid_len; i++)
		printf("%02x", pkt[1 + i]);
	/* RFC 9000 §12.4: a packet carries at least one frame. */
	if (!plain_len) {
		printf(" frame=none\n");
		fprintf(stderr, "packet %lu: no frames\n", index);
		return -1;
	}
	while (pos < plain_len && plain[pos] == 0x00)
		pos++;
	if (pos == plain_len) {
		printf(" frame=padding\n");
		return 0;
	}
	if (plain[pos] != 0x30) {
		printf(" frame=0x%02x\n", plain[pos]);
		fprintf(stderr, "packet %lu: frame type 0x%02x is not DATAGRAM\n", index, plain[pos]);
		return -1;
	}
	pos++;
	ret = (int)varint(plain + pos, plain_len - pos, &qsid);
	if (!ret)
		return -1;
	pos += (size_t)ret;
	ret = (int)varint(plain + pos, plain_len - pos, &ctx);
	if (!ret)
		return -1;
	pos += (size_t)ret;
	printf(" frame=0x30 qsid=%llu ctx=%llu", (unsigned long long)qsid,
	       (unsigned long long)ctx);
	print_inner(plain + pos, plain_len - pos);
	printf("\n");
	return 0;
}

static int forge(int argc, char **argv)
{
	static const struct {
		const char *kind;
		uint8_t first_extra;
		uint8_t frames[16];
		size_t len;
	} kinds[] = {
		{ "keepalive", 0, { 0, 0, 0 }, 3 },
		{ "reserved", 0x18, { 0x30, 0, 0, 0x45 }, 4 },
		{ "ping", 0, { 0x01, 0, 0 }, 3 },
		{ "context", 0, { 0x30, 0, 1, 0x45 }, 4 },
		{ "stream", 0, { 0x30, 1, 0, 0x45 }, 4 },
		{ "truncated", 0, { 0x31, 0x20, 0, 0, 0x45 }, 5 },
		{ "second", 0, { 0x31, 0x03, 0, 0, 0x45, 0x30, 0, 0, 0x45 }, 9 },
		{ "empty", 0, { 0 }, 0 },
	};
	struct phase_key keys[2] = { 0 };
	uint8_t pkt[128], mask[5], nonce[12];
	unsigned int dcid_len = 0, phase, kind;
	size_t hdr_len, out_len;
	unsigned long long pn;
	gnutls_aead_cipher_hd_t aead;
	gnutls_datum_t key;
	FILE *out;

	/* argv: quic-decode forge CIPHER KEYFILE:PHASE DCID PN KIND OUT */
	if (argc != 8 || sscanf(argv[5], "%llu", &pn) != 1)
		return 2;
	for (kind = 0; kind < sizeof(kinds) / sizeof(kinds[0]); kind++)
		if (!strcmp(argv[6], kinds[kind].kind))
			break;
	if (kind == sizeof(kinds) / sizeof(kinds[0]) || load_key(argv[3], keys))
		return 2;
	phase = keys[1].present;
	pkt[0] = (uint8_t)(0x40 | kinds[kind].first_extra | phase << 2 | 3);
	for (const char *h = argv[4]; h[0] && h[1] && dcid_len < 20; h += 2) {
		if (hex_nibble(h[0]) < 0 || hex_nibble(h[1]) < 0)
			return 2;
		pkt[1 + dcid_len++] = (uint8_t)(hex_nibble(h[0]) << 4 | hex_nibble(h[1]));
	}
	for (unsigned int i = 0; i < 4; i++)
		pkt[1 + dcid_len + i] = (uint8_t)(pn >> (8 * (3 - i)));
	hdr_len = 1 + dcid_len + 4;
	memcpy(nonce, keys[phase].iv, 12);
	for (unsigned int i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
	key.data = keys[phase].key;
	key.size = suite.key_len;
	out_len = sizeof(pkt) - hdr_len;
	if (gnutls_aead_cipher_init(&aead, suite.aead, &key) < 0 ||
	    gnutls_aead_cipher_encrypt(aead, nonce, 12, pkt, hdr_len, 16, kinds[kind].frames,
				       kinds[kind].len, pkt + hdr_len, &out_len) < 0)
		return 2;
	gnutls_aead_cipher_deinit(aead);
	if (hp_mask(keys[phase].hp, pkt + 1 + dcid_len + 4, mask) < 0)
		return 2;
	pkt[0] ^= mask[0] & 0x1f;
	for (unsigned int i = 0; i < 4; i++)
		pkt[1 + dcid_len + i] ^= mask[1 + i];
	out = fopen(argv[7], "wb");
	if (!out || fwrite(pkt, 1, hdr_len + out_len, out) != hdr_len + out_len || fclose(out))
		return 2;
	return 0;
}

static int set_suite(const char *name)
{
	if (!strcmp(name, "chacha20-poly1305")) {
		suite.aead = GNUTLS_CIPHER_CHACHA20_POLY1305;
		suite.hp = GNUTLS_CIPHER_CHACHA20_32;
		suite.key_len = 32;
	} else if (!strcmp(name, "aes-128-gcm")) {
		suite.aead = GNUTLS_CIPHER_AES_128_GCM;
		suite.hp = GNUTLS_CIPHER_AES_128_CBC;
		suite.key_len = 16;
	} else if (!strcmp(name, "aes-256-gcm")) {
		suite.aead = GNUTLS_CIPHER_AES_256_GCM;
		suite.hp = GNUTLS_CIPHER_AES_256_CBC;
		suite.key_len = 32;
	} else {
		fprintf(stderr, "quic-decode: unknown cipher '%s'\n", name);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static uint8_t frame[65536 + 64];
	struct phase_key keys[2] = { 0 };
	unsigned int cid_len, port;
	unsigned long index = 0, failed = 0;
	uint8_t global[24], rec[16];
	FILE *pcap;

	if (argc > 2 && !strcmp(argv[1], "forge")) {
		if (argc != 8 || set_suite(argv[2])) {
			fprintf(stderr, "usage: quic-decode forge CIPHER KEYFILE:PHASE DCID PN KIND OUT\n");
			return 2;
		}
		return forge(argc, argv) ? 2 : 0;
	}
	if (argc < 6 || sscanf(argv[2], "%u", &cid_len) != 1 || cid_len > 20 ||
	    sscanf(argv[3], "%u", &port) != 1) {
		fprintf(stderr, "usage: quic-decode CIPHER CID_LEN PORT PCAP KEYFILE:PHASE...\n");
		return 2;
	}
	if (set_suite(argv[1]))
		return 2;
	for (int i = 5; i < argc; i++)
		if (load_key(argv[i], keys))
			return 2;
	pcap = fopen(argv[4], "rb");
	if (!pcap || fread(global, 1, 24, pcap) != 24 ||
	    !(global[0] == 0xd4 && global[1] == 0xc3 && global[2] == 0xb2 && global[3] == 0xa1) ||
	    global[20] != 1) {
		fprintf(stderr, "quic-decode: '%s' is not a little-endian Ethernet pcap\n", argv[4]);
		return 2;
	}
	while (fread(rec, 1, 16, pcap) == 16) {
		uint32_t caplen = rec[8] | rec[9] << 8 | rec[10] << 16 | (uint32_t)rec[11] << 24;
		size_t l3, l4;
		uint16_t ethertype, dport, udp_len;

		if (caplen > sizeof(frame) || fread(frame, 1, caplen, pcap) != caplen) {
			fprintf(stderr, "quic-decode: truncated pcap\n");
			return 2;
		}
		if (caplen < 14)
			continue;
		ethertype = (uint16_t)(frame[12] << 8 | frame[13]);
		l3 = 14;
		if (ethertype == 0x0800 && caplen >= l3 + 20 && frame[l3 + 9] == 17)
			l4 = l3 + (frame[l3] & 0xf) * 4u;
		else if (ethertype == 0x86dd && caplen >= l3 + 40 && frame[l3 + 6] == 17)
			l4 = l3 + 40;
		else
			continue;
		if (caplen < l4 + 8)
			continue;
		dport = (uint16_t)(frame[l4 + 2] << 8 | frame[l4 + 3]);
		udp_len = (uint16_t)(frame[l4 + 4] << 8 | frame[l4 + 5]);
		if (dport != port || udp_len < 8 || l4 + udp_len > caplen)
			continue;
		index++;
		if (decode_packet(frame + l4 + 8, udp_len - 8u, cid_len, keys, index))
			failed++;
	}
	fclose(pcap);
	fprintf(stderr, "quic-decode: %lu packets, %lu failed\n", index, failed);
	return failed || !index ? 1 : 0;
}
