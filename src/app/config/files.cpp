// Reading what a config names: bounded, regular files only, never echoing a secret.
#include "files.hpp"

#include <array>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <system_error>

#include "failure.hpp"
#include "pdu2mqtt/common/json_quoted.hpp"

namespace pdu2mqtt::app {
namespace config_detail {

namespace fs = std::filesystem;

// Bounded: pointing a key at /dev/zero must not eat the memory. subject names the file in
// messages ("the file", "password file \"/run/secrets/mqtt\"").
std::string read_file_bounded(const fs::path& path, std::size_t limit, const std::string& key_path,
                              const std::string& subject) {
  errno = 0;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  const auto cannot_read = [&](int error) {
    fail(key_path, "cannot read " + subject + ": " + std::generic_category().message(error),
         config_errc::unreadable);
  };
  if (!file) cannot_read(errno);
  std::string content;
  std::array<char, 4096> buffer;
  while (true) {
    const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), file.get());
    content.append(buffer.data(), n);
    if (content.size() > limit) {
      fail(key_path, subject + " is larger than " + std::to_string(limit / 1024) + " KiB",
           config_errc::unreadable);
    }
    if (n < buffer.size()) {
      if (std::ferror(file.get())) cannot_read(errno != 0 ? errno : EIO);
      break;
    }
  }
  return content;
}

// A password file's content without its trailing newline; key_path names the key in errors.
std::string read_secret_file(const fs::path& full, const std::string& key_path) {
  const std::string subject = "password file " + json_quoted(full.string(), 200);
  std::error_code ec;
  const auto status = fs::status(full, ec);
  if (fs::exists(status) && !fs::is_regular_file(status)) {
    // A FIFO or a device would block or never end.
    fail(key_path, subject + " is not a regular file", config_errc::unreadable);
  }
  std::string password = read_file_bounded(full, max_password_file_size, key_path, subject);
  while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
    password.pop_back();
  }
  if (password.empty()) fail(key_path, subject + " is empty", config_errc::unreadable);
  return password;
}

// Read now so that a wrong path stops the bridge at start, naming the key, instead of
// failing every connect. The content is not kept (Paho reads the file when it connects) and
// never quoted: a key file holds a secret.
void check_pem_file(const fs::path& full, const std::string& path, std::string_view key) {
  const std::string subject = json_quoted(full.string(), 200);
  std::error_code ec;
  const auto status = fs::status(full, ec);
  if (fs::exists(status) && !fs::is_regular_file(status)) {
    fail(path, subject + " is not a regular file", config_errc::unreadable);
  }
  const std::string content = read_file_bounded(full, max_tls_file_size, path, subject);
  if (content.find("-----BEGIN ") == std::string::npos) {
    fail(path,
         subject + " is not PEM (no \"-----BEGIN\" line)" +
             (key == "key_file" ? "" : "; DER files can be converted with openssl x509"),
         config_errc::unreadable);
  }
}

}  // namespace config_detail

result<std::string> read_password_file(const std::filesystem::path& file) {
  try {
    return config_detail::read_secret_file(file, "");
  } catch (const config_detail::config_failure& f) {
    return result<std::string>(f.code, f.message);
  }
}

}  // namespace pdu2mqtt::app
