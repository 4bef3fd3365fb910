// Mounter: a container's root filesystem as an overlay of its image's layers (PRIMITIVES.md §1).
#pragma once

#include <string>
#include <vector>

namespace berth::core::drivers {

class Mounter {
 public:
  virtual ~Mounter() = default;
  // Mounts overlay at `target` (an existing dir): lower_dirs top layer first; upper and work on the same fs.
  // No lower dirs (a container of an empty image) is allowed. Layer count is not limited by the 4 KiB option page.
  virtual void mount(const std::vector<std::string>& lower_dirs, const std::string& upper, const std::string& work,
                     const std::string& target) = 0;
  // Unmounts `target` (lazily when busy); not mounted is not an error.
  virtual void unmount(const std::string& target) = 0;
  virtual bool mounted(const std::string& target) = 0;
};

class OverlayMounter final : public Mounter {
 public:
  void mount(const std::vector<std::string>& lower_dirs, const std::string& upper, const std::string& work,
             const std::string& target) override;
  void unmount(const std::string& target) override;
  bool mounted(const std::string& target) override;
};

}  // namespace berth::core::drivers
