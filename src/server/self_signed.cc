#include "server/self_signed.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <memory>

#include "common/atomic_file.h"

namespace nymph {
namespace {

namespace fs = std::filesystem;

template <typename T, void (*Free)(T*)>
using Owned = std::unique_ptr<T, std::integral_constant<decltype(Free), Free>>;

Status Failure(const std::string& what) {
  return Status(ErrorKind::kInternal, "tls_setup_failed",
                "creating the self-signed certificate failed: " + what);
}

// The PEM text `write` puts into a memory BIO; empty when it fails.
template <typename Writer>
std::string Pem(Writer write) {
  Owned<BIO, BIO_free_all> bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get()) != 1) return "";
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, size_t(size));
}

bool AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  Owned<X509_EXTENSION, X509_EXTENSION_free> ext(
      X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

}  // namespace

StatusOr<TlsFiles> EnsureSelfSignedCertificate(const std::string& state_dir) {
  fs::path dir = fs::path(state_dir) / "tls";
  TlsFiles files{(dir / "cert.pem").string(), (dir / "key.pem").string()};
  if (fs::exists(files.cert_file) && fs::exists(files.key_file)) return files;

  std::error_code error;
  fs::create_directories(dir, error);
  if (error) {
    return Failure("cannot create " + dir.string() + ": " + error.message() +
                   " (set --state-dir to a writable directory)");
  }
  Owned<EVP_PKEY, EVP_PKEY_free> key(EVP_EC_gen("P-256"));
  Owned<X509, X509_free> cert(X509_new());
  if (!key || !cert) return Failure("out of memory or no EC support");
  X509_set_version(cert.get(), 2);
  // A random serial keeps browsers from confusing two generated certs.
  Owned<BIGNUM, BN_free> serial(BN_new());
  BN_rand(serial.get(), 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
  BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get()));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("nymphd"),
                             -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  bool ok =
      AddExtension(cert.get(), NID_subject_alt_name,
                   "DNS:localhost,IP:127.0.0.1,IP:::1") &&
      AddExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  if (!ok || X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    return Failure("signing failed");
  }
  const std::string key_pem = Pem([&](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0,
                                    nullptr, nullptr);
  });
  const std::string cert_pem =
      Pem([&](BIO* bio) { return PEM_write_bio_X509(bio, cert.get()); });
  if (key_pem.empty() || cert_pem.empty()) return Failure("PEM encoding");
  // The key first: a cert without its key would be taken as complete.
  Status status = WriteFileAtomically(files.key_file, {key_pem}, 0600);
  if (!status.ok()) return Failure(status.message());
  status = WriteFileAtomically(files.cert_file, {cert_pem}, 0644);
  if (!status.ok()) return Failure(status.message());
  spdlog::info("tls: created a self-signed certificate in {}", dir.string());
  return files;
}

}  // namespace nymph
