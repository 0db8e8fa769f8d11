#include "support/tls_identity.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>

namespace glasshub::test {

namespace {

template <class T, void (*Free)(T*)>
struct openssl_deleter {
  void operator()(T* p) const noexcept { Free(p); }
};
using key_ptr = std::unique_ptr<EVP_PKEY, openssl_deleter<EVP_PKEY, EVP_PKEY_free>>;
using cert_ptr = std::unique_ptr<X509, openssl_deleter<X509, X509_free>>;
using ext_ptr =
    std::unique_ptr<X509_EXTENSION, openssl_deleter<X509_EXTENSION, X509_EXTENSION_free>>;

void ensure(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("self-signed certificate: ") + what + " failed");
}

template <class Write>
std::string to_pem(Write write) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  ensure(bio && write(bio.get()), "PEM encoding");
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

void add_extension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  ext_ptr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  ensure(ext && X509_add_ext(cert, ext.get(), -1) == 1, "adding an extension");
}

}  // namespace

TlsIdentity self_signed_identity(const std::string& dns_name) {
  key_ptr key(EVP_EC_gen("P-256"));
  ensure(key != nullptr, "key generation");
  cert_ptr cert(X509_new());
  ensure(cert != nullptr, "X509_new");
  ensure(X509_set_version(cert.get(), 2) == 1, "version");
  ensure(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1) == 1, "serial");
  ensure(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr, "notBefore");
  ensure(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600) != nullptr, "notAfter");
  ensure(X509_set_pubkey(cert.get(), key.get()) == 1, "public key");
  X509_NAME* name = X509_get_subject_name(cert.get());
  ensure(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                    reinterpret_cast<const unsigned char*>(dns_name.c_str()), -1,
                                    -1, 0) == 1,
         "subject");
  ensure(X509_set_issuer_name(cert.get(), name) == 1, "issuer");
  add_extension(cert.get(), NID_subject_alt_name, "DNS:" + dns_name);
  add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  ensure(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "signing");

  TlsIdentity id;
  id.cert_pem = to_pem([&](BIO* bio) { return PEM_write_bio_X509(bio, cert.get()) == 1; });
  id.key_pem = to_pem([&](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  });
  return id;
}

}  // namespace glasshub::test
