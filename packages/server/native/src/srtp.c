/* SRTP protection on pre-keyed OpenSSL contexts (see srtp.h). */
#include "srtp.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

/* Marks a live context (srtp_ctx_check): "rtcSRTP\x01". */
#define SRTP_CTX_MAGIC 0x7274635352545001ULL

struct srtp_ctx {
  uint64_t magic;
  srtp_profile profile;
  int decrypt; /* GCM: the cipher was set up to decrypt */
  EVP_CIPHER_CTX *cipher;
  EVP_MAC_CTX *mac; /* CM only: HMAC-SHA1 keyed once, re-initialised per packet */
  uint8_t salt[14];
};

static srtp_ctx *ctx_new(srtp_profile profile, const EVP_CIPHER *cipher, const uint8_t key[16], int decrypt) {
  srtp_ctx *ctx = calloc(1, sizeof *ctx);
  if (!ctx) return NULL;
  ctx->magic = SRTP_CTX_MAGIC;
  ctx->profile = profile;
  ctx->decrypt = decrypt;
  ctx->cipher = EVP_CIPHER_CTX_new();
  if (!ctx->cipher || EVP_CipherInit_ex2(ctx->cipher, cipher, key, NULL, decrypt ? 0 : 1, NULL) != 1) {
    srtp_free(ctx);
    return NULL;
  }
  return ctx;
}

srtp_ctx *srtp_gcm_new(const uint8_t key[16], const uint8_t salt[12], int decrypt) {
  srtp_ctx *ctx = ctx_new(SRTP_AES_128_GCM, EVP_aes_128_gcm(), key, decrypt);
  if (ctx) memcpy(ctx->salt, salt, 12);
  return ctx;
}

srtp_ctx *srtp_cm_new(const uint8_t key[16], const uint8_t salt[14], const uint8_t auth_key[20]) {
  srtp_ctx *ctx = ctx_new(SRTP_AES_CM_128_HMAC_SHA1_80, EVP_aes_128_ctr(), key, 0);
  if (!ctx) return NULL;
  memcpy(ctx->salt, salt, 14);
  EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  ctx->mac = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
  EVP_MAC_free(hmac);
  char digest[] = "SHA1";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
  if (!ctx->mac || EVP_MAC_init(ctx->mac, auth_key, 20, params) != 1) {
    srtp_free(ctx);
    return NULL;
  }
  return ctx;
}

srtp_ctx *srtp_ctx_check(void *p) {
  srtp_ctx *ctx = p;
  return ctx && ctx->magic == SRTP_CTX_MAGIC ? ctx : NULL;
}

void srtp_free(srtp_ctx *ctx) {
  if (!ctx) return;
  ctx->magic = 0;
  EVP_CIPHER_CTX_free(ctx->cipher);
  EVP_MAC_CTX_free(ctx->mac);
  OPENSSL_cleanse(ctx->salt, sizeof ctx->salt);
  free(ctx);
}

size_t srtp_overhead(const srtp_ctx *ctx) { return ctx->profile == SRTP_AES_128_GCM ? 16 : 10; }

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

/* Runs `len` bytes of `in` through the cipher (its IV already set) to `out`; returns the bytes written or -1. */
static long encrypt_or_decrypt(EVP_CIPHER_CTX *c, const uint8_t *in, size_t len, uint8_t *out) {
  int n = 0;
  if (len && EVP_CipherUpdate(c, out, &n, in, (int)len) != 1) return -1;
  return n;
}

/* Encrypts prefix ‖ payload to out (the cipher's IV already set); returns the bytes written or -1. */
static long encrypt_body(EVP_CIPHER_CTX *c, const uint8_t *prefix, size_t prefix_len, const uint8_t *payload, size_t payload_len,
                         uint8_t *out) {
  long a = encrypt_or_decrypt(c, prefix, prefix_len, out);
  long b = a < 0 ? -1 : encrypt_or_decrypt(c, payload, payload_len, out + a);
  return b < 0 ? -1 : a + b;
}

/* RFC 7714 §8.1: IV = (00 00 ‖ SSRC ‖ ROC ‖ SEQ) XOR salt */
static void gcm_iv(const srtp_ctx *ctx, uint32_t ssrc, uint32_t roc, uint16_t seq, uint8_t iv[12]) {
  memset(iv, 0, 12);
  put32(iv + 2, ssrc);
  put32(iv + 6, roc);
  iv[10] = (uint8_t)(seq >> 8);
  iv[11] = (uint8_t)seq;
  for (int i = 0; i < 12; i++) iv[i] ^= ctx->salt[i];
}

/* RFC 3711 §4.1.1: IV = (salt·2^16) XOR (SSRC·2^64) XOR (index·2^16), index = ROC·2^16 + SEQ */
static void cm_iv(const srtp_ctx *ctx, uint32_t ssrc, uint32_t roc, uint16_t seq, uint8_t iv[16]) {
  memset(iv, 0, 16);
  memcpy(iv, ctx->salt, 14);
  iv[4] ^= (uint8_t)(ssrc >> 24);
  iv[5] ^= (uint8_t)(ssrc >> 16);
  iv[6] ^= (uint8_t)(ssrc >> 8);
  iv[7] ^= (uint8_t)ssrc;
  iv[8] ^= (uint8_t)(roc >> 24);
  iv[9] ^= (uint8_t)(roc >> 16);
  iv[10] ^= (uint8_t)(roc >> 8);
  iv[11] ^= (uint8_t)roc;
  iv[12] ^= (uint8_t)(seq >> 8);
  iv[13] ^= (uint8_t)seq;
}

/* §4.2: HMAC-SHA1(auth key, bytes ‖ ROC), first 10 bytes, to `tag`; 0 when OpenSSL failed. */
static int cm_tag(srtp_ctx *ctx, const uint8_t *bytes, size_t len, uint32_t roc, uint8_t tag[10]) {
  uint8_t roc_be[4];
  put32(roc_be, roc);
  uint8_t full[EVP_MAX_MD_SIZE];
  size_t full_len = 0;
  if (EVP_MAC_init(ctx->mac, NULL, 0, NULL) != 1 || EVP_MAC_update(ctx->mac, bytes, len) != 1 || EVP_MAC_update(ctx->mac, roc_be, 4) != 1 ||
      EVP_MAC_final(ctx->mac, full, &full_len, sizeof full) != 1 || full_len < 10)
    return 0;
  memcpy(tag, full, 10);
  return 1;
}

size_t srtp_protect(srtp_ctx *ctx, uint32_t ssrc, uint32_t roc, uint16_t seq, const uint8_t *header, size_t header_len,
                    const uint8_t *prefix, size_t prefix_len, const uint8_t *payload, size_t payload_len, uint8_t *out) {
  EVP_CIPHER_CTX *c = ctx->cipher;
  int n = 0;
  if (ctx->decrypt) return 0;
  memcpy(out, header, header_len);
  if (ctx->profile == SRTP_AES_128_GCM) {
    uint8_t iv[12];
    gcm_iv(ctx, ssrc, roc, seq, iv);
    if (EVP_EncryptInit_ex2(c, NULL, NULL, iv, NULL) != 1) return 0;
    if (EVP_EncryptUpdate(c, NULL, &n, header, (int)header_len) != 1) return 0;
    long body = encrypt_body(c, prefix, prefix_len, payload, payload_len, out + header_len);
    if (body < 0) return 0;
    size_t at = header_len + (size_t)body;
    if (EVP_EncryptFinal_ex(c, out + at, &n) != 1) return 0;
    at += (size_t)n;
    if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, out + at) != 1) return 0;
    return at + 16;
  }
  uint8_t iv[16];
  cm_iv(ctx, ssrc, roc, seq, iv);
  if (EVP_EncryptInit_ex2(c, NULL, NULL, iv, NULL) != 1) return 0;
  long body = encrypt_body(c, prefix, prefix_len, payload, payload_len, out + header_len);
  if (body < 0) return 0;
  size_t at = header_len + (size_t)body;
  /* §4.2: tag over header ‖ encrypted payload ‖ ROC */
  if (!cm_tag(ctx, out, at, roc, out + at)) return 0;
  return at + 10;
}

size_t srtp_unprotect(srtp_ctx *ctx, uint32_t ssrc, uint32_t roc, uint16_t seq, const uint8_t *packet, size_t len, size_t header_len,
                      uint8_t *out) {
  size_t tag_len = srtp_overhead(ctx);
  if (len < header_len + tag_len || header_len < 12) return 0;
  size_t body = len - header_len - tag_len;
  EVP_CIPHER_CTX *c = ctx->cipher;
  int n = 0;
  if (ctx->profile == SRTP_AES_128_GCM) {
    if (!ctx->decrypt) return 0;
    uint8_t iv[12], tag[16];
    gcm_iv(ctx, ssrc, roc, seq, iv);
    memcpy(tag, packet + len - 16, 16);
    memcpy(out, packet, header_len);
    if (EVP_DecryptInit_ex2(c, NULL, NULL, iv, NULL) != 1 || EVP_DecryptUpdate(c, NULL, &n, packet, (int)header_len) != 1) return 0;
    long done = encrypt_or_decrypt(c, packet + header_len, body, out + header_len);
    if (done < 0 || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, tag) != 1) return 0;
    if (EVP_DecryptFinal_ex(c, out + header_len + done, &n) != 1) return 0; /* the tag does not verify */
    return header_len + (size_t)done + (size_t)n;
  }
  /* authenticate first (RFC 3711 §3.3: step 5 before 6) */
  uint8_t expected[10];
  if (!cm_tag(ctx, packet, len - 10, roc, expected) || CRYPTO_memcmp(expected, packet + len - 10, 10) != 0) return 0;
  uint8_t iv[16];
  cm_iv(ctx, ssrc, roc, seq, iv);
  memcpy(out, packet, header_len);
  if (EVP_EncryptInit_ex2(c, NULL, NULL, iv, NULL) != 1) return 0;
  long done = encrypt_or_decrypt(c, packet + header_len, body, out + header_len);
  return done < 0 ? 0 : header_len + (size_t)done;
}

/* RFC 7714 §9.1: IV = (00 00 ‖ SSRC ‖ 00 00 ‖ 0·index(31)) XOR salt */
static void srtcp_iv(const srtp_ctx *ctx, uint32_t ssrc, uint32_t index, uint8_t iv[12]) {
  memset(iv, 0, 12);
  put32(iv + 2, ssrc);
  put32(iv + 8, index & 0x7fffffffu);
  for (int i = 0; i < 12; i++) iv[i] ^= ctx->salt[i];
}

static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

size_t srtcp_gcm_protect(srtp_ctx *ctx, uint32_t index, const uint8_t *packet, size_t len, uint8_t *out) {
  EVP_CIPHER_CTX *c = ctx->cipher;
  int n = 0;
  if (ctx->profile != SRTP_AES_128_GCM || ctx->decrypt || len < 8) return 0;
  uint8_t iv[12], trailer[4];
  srtcp_iv(ctx, get32(packet + 4), index, iv);
  put32(trailer, 0x80000000u | (index & 0x7fffffffu)); /* E: the payload is encrypted */
  memcpy(out, packet, 8);
  /* §17: AAD = the first 8 octets ‖ E-flag|index */
  if (EVP_EncryptInit_ex2(c, NULL, NULL, iv, NULL) != 1 || EVP_EncryptUpdate(c, NULL, &n, packet, 8) != 1 ||
      EVP_EncryptUpdate(c, NULL, &n, trailer, 4) != 1)
    return 0;
  long body = encrypt_or_decrypt(c, packet + 8, len - 8, out + 8);
  if (body < 0) return 0;
  size_t at = 8 + (size_t)body;
  if (EVP_EncryptFinal_ex(c, out + at, &n) != 1) return 0;
  at += (size_t)n;
  if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, out + at) != 1) return 0;
  memcpy(out + at + 16, trailer, 4);
  return at + 20;
}

size_t srtcp_gcm_unprotect(srtp_ctx *ctx, const uint8_t *packet, size_t len, uint8_t *out) {
  EVP_CIPHER_CTX *c = ctx->cipher;
  int n = 0;
  if (ctx->profile != SRTP_AES_128_GCM || !ctx->decrypt || len < 8 + 20) return 0;
  const uint8_t *trailer = packet + len - 4;
  uint32_t e_index = get32(trailer);
  int encrypted = (e_index >> 31) != 0;
  size_t body_end = len - 20; /* where the tag starts */
  uint8_t iv[12], tag[16];
  srtcp_iv(ctx, get32(packet + 4), e_index, iv);
  memcpy(tag, packet + body_end, 16);
  memcpy(out, packet, encrypted ? 8 : body_end);
  /* AAD: the first 8 octets (encrypted) or the whole packet (only authenticated), then the trailer */
  size_t aad_len = encrypted ? 8 : body_end;
  if (EVP_DecryptInit_ex2(c, NULL, NULL, iv, NULL) != 1 || EVP_DecryptUpdate(c, NULL, &n, packet, (int)aad_len) != 1 ||
      EVP_DecryptUpdate(c, NULL, &n, trailer, 4) != 1)
    return 0;
  long done = 0;
  if (encrypted) done = encrypt_or_decrypt(c, packet + 8, body_end - 8, out + 8);
  if (done < 0 || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, tag) != 1) return 0;
  if (EVP_DecryptFinal_ex(c, out + (encrypted ? 8 + (size_t)done : body_end), &n) != 1) return 0;
  return body_end;
}
