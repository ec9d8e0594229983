#include "media/music_library.h"

#include <stdexcept>

namespace contactd::media {

bool safe_music_name(const std::string& name) {
  if (name.size() < 5 || name.size() > 200 || name.front() == '.') return false;
  if (name.find_first_of("/\\") != std::string::npos || name.find('\0') != std::string::npos) return false;
  return name.compare(name.size() - 4, 4, ".wav") == 0;
}

MusicLibrary::MusicLibrary(std::string folder, const std::string& default_file) : folder_(std::move(folder)) {
  auto loaded = load_wav(folder_ + "/" + default_file);
  if (auto* why = std::get_if<std::string>(&loaded))
    throw std::runtime_error("default hold music " + folder_ + "/" + default_file + ": " + *why);
  default_ = std::make_shared<const Samples>(std::move(std::get<Samples>(loaded)));
}

std::shared_ptr<const Samples> MusicLibrary::get(const std::string& name, std::string* problem) {
  if (name.empty()) return default_;
  if (auto it = loaded_.find(name); it != loaded_.end()) {
    if (problem && it->second == default_) *problem = "could not be loaded earlier";
    return it->second;
  }
  std::shared_ptr<const Samples> music = default_;
  if (!safe_music_name(name)) {
    if (problem) *problem = "not a plain .wav file name";
  } else {
    auto loaded = load_wav(folder_ + "/" + name);
    if (auto* samples = std::get_if<Samples>(&loaded))
      music = std::make_shared<const Samples>(std::move(*samples));
    else if (problem)
      *problem = std::get<std::string>(loaded);
  }
  if (loaded_.size() < 1000) loaded_.emplace(name, music);  // bounded, whatever names campaigns use
  return music;
}

}  // namespace contactd::media
