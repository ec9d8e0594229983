#pragma once
// Hold and queue music (R-PH-2): WAV files (8 kHz mono PCM16) in one folder,
// loaded once and shared by every call that plays them. A campaign names its
// file; an empty, unsafe or unreadable name gets the default music, so a
// caller on hold never hears silence because of a typo. Not thread-safe:
// one thread (the SIP thread) asks for music.
#include <map>
#include <memory>
#include <string>

#include "media/wav.h"

namespace contactd::media {

class MusicLibrary {
 public:
  // Loads `folder`/`default_file`. Throws std::runtime_error (with the
  // reason) when it cannot: the default must exist.
  MusicLibrary(std::string folder, const std::string& default_file);

  // `name`'s music, or the default (with `problem` set to why, if asked).
  std::shared_ptr<const Samples> get(const std::string& name, std::string* problem = nullptr);
  std::shared_ptr<const Samples> default_music() const { return default_; }

 private:
  std::string folder_;
  std::shared_ptr<const Samples> default_;
  std::map<std::string, std::shared_ptr<const Samples>> loaded_;  // failures map to the default
};

// A plain file name: no folders, no "..", ends with ".wav".
bool safe_music_name(const std::string& name);

}  // namespace contactd::media
