#include "server/self_signed.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>

namespace nymph {
namespace {

namespace fs = std::filesystem;

template <typename T, void (*Free)(T*)>
using Owned = std::unique_ptr<T, std::integral_constant<decltype(Free), Free>>;

Status Failure(const std::string& what) {
  return Status(ErrorKind::kInternal, "tls_setup_failed",
                "creating the self-signed certificate failed: " + what);
}

// Writes via `write` into a new file at `path` with `mode`, atomically.
template <typename Writer>
Status WriteAtomically(const fs::path& path, mode_t mode, Writer write) {
  fs::path temporary = path;
  temporary += ".tmp";
  int fd =
      ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Failure("cannot create " + temporary.string());
  ::fchmod(fd, mode);  // the umask may have narrowed or widened it
  FILE* file = ::fdopen(fd, "w");
  if (file == nullptr) {
    ::close(fd);
    return Failure("fdopen " + temporary.string());
  }
  bool written = write(file) == 1;
  written &= std::fflush(file) == 0 && ::fsync(fd) == 0;
  written &= std::fclose(file) == 0;
  if (!written || ::rename(temporary.c_str(), path.c_str()) != 0) {
    ::unlink(temporary.c_str());
    return Failure("cannot write " + path.string());
  }
  return {};
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
  // The key first: a cert without its key would be taken as complete.
  Status status = WriteAtomically(files.key_file, 0600, [&](FILE* f) {
    return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr,
                                nullptr);
  });
  if (!status.ok()) return status;
  status = WriteAtomically(files.cert_file, 0644, [&](FILE* f) {
    return PEM_write_X509(f, cert.get());
  });
  if (!status.ok()) return status;
  spdlog::info("tls: created a self-signed certificate in {}", dir.string());
  return files;
}

}  // namespace nymph
