// Files a config names (password files, PEM files) and the config file itself, read with
// bounds and with errors that name the key.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace pdu2mqtt::app::config_detail {

// Throws config_failure (unreadable) naming key_path; subject names the file in messages.
std::string read_file_bounded(const std::filesystem::path& path, std::size_t limit,
                              const std::string& key_path, const std::string& subject);
// A password file's content without its trailing newline; key_path names the key in errors.
std::string read_secret_file(const std::filesystem::path& full, const std::string& key_path);
// Read now so that a wrong path stops the bridge at start, naming the key.
void check_pem_file(const std::filesystem::path& full, const std::string& path,
                    std::string_view key);

}  // namespace pdu2mqtt::app::config_detail
