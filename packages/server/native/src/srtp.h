/*
 * SRTP protection of outgoing RTP packets on pre-keyed OpenSSL contexts: AEAD_AES_128_GCM
 * (RFC 7714) and AES_CM_128_HMAC_SHA1_80 (RFC 3711). One context per SRTP stream direction;
 * the key schedule (and for CM the HMAC pads) is set up once, each packet only sets its IV.
 */
#ifndef RTCROOM_SRTP_H
#define RTCROOM_SRTP_H

#include <stddef.h>
#include <stdint.h>

typedef enum { SRTP_AES_128_GCM = 1, SRTP_AES_CM_128_HMAC_SHA1_80 = 2 } srtp_profile;

typedef struct srtp_ctx srtp_ctx;

/* A GCM context (for srtp_unprotect when `decrypt`): key 16 bytes, salt 12 bytes. NULL when OpenSSL refuses. */
srtp_ctx *srtp_gcm_new(const uint8_t key[16], const uint8_t salt[12], int decrypt);

/* A CM/HMAC-SHA1-80 context: key 16, salt 14, auth key 20 bytes. NULL when OpenSSL refuses. */
srtp_ctx *srtp_cm_new(const uint8_t key[16], const uint8_t salt[14], const uint8_t auth_key[20]);

void srtp_free(srtp_ctx *ctx);

/* `p` as a context when it points to a live one made here, else NULL (checks a marker the context begins with). */
srtp_ctx *srtp_ctx_check(void *p);

/* Bytes the protection adds after the payload (the tag). */
size_t srtp_overhead(const srtp_ctx *ctx);

/*
 * Writes `header ‖ E(prefix ‖ payload) ‖ tag` to `out` (room for header_len + prefix_len +
 * payload_len + srtp_overhead bytes) under packet index roc·2^16 + seq of `ssrc`; the header
 * is authenticated as is. Returns the datagram's length, or 0 when OpenSSL failed.
 */
size_t srtp_protect(srtp_ctx *ctx, uint32_t ssrc, uint32_t roc, uint16_t seq, const uint8_t *header, size_t header_len,
                    const uint8_t *prefix, size_t prefix_len, const uint8_t *payload, size_t payload_len, uint8_t *out);

/*
 * Checks and decrypts the SRTP packet `packet` (`len` bytes, its RTP header `header_len` long,
 * the tag at its end) under index roc·2^16 + seq of `ssrc`: writes the RTP packet (header as is,
 * payload decrypted, no tag) to `out` (room for len - srtp_overhead bytes). Returns its length,
 * or 0 when the packet does not authenticate (or is too short). CM contexts do both directions;
 * GCM ones only what they were made for.
 */
size_t srtp_unprotect(srtp_ctx *ctx, uint32_t ssrc, uint32_t roc, uint16_t seq, const uint8_t *packet, size_t len, size_t header_len,
                      uint8_t *out);

/*
 * SRTCP with AEAD_AES_128_GCM (RFC 7714 §9), on a GCM context made with the SRTCP session key
 * and salt. Protect writes `header(8) ‖ E(rest) ‖ tag(16) ‖ E-flag|index(4)` for `packet` (`len`
 * bytes, a compound RTCP packet) under `index` (31 bits) to `out` (room for len + 20); returns
 * its length, or 0 on failure. Unprotect checks and decrypts an SRTCP packet (encrypted or only
 * authenticated, by its E flag) to the RTCP packet in `out` (room for len - 20); returns its
 * length, or 0 when it does not authenticate (or is too short).
 */
size_t srtcp_gcm_protect(srtp_ctx *ctx, uint32_t index, const uint8_t *packet, size_t len, uint8_t *out);
size_t srtcp_gcm_unprotect(srtp_ctx *ctx, const uint8_t *packet, size_t len, uint8_t *out);

#endif
