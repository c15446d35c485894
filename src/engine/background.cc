#include "engine/background.h"

namespace ddbd::engine {

BackgroundService::~BackgroundService() { Stop(); }

void BackgroundService::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void BackgroundService::Notify() {
  std::lock_guard lock(mu_);
  notified_ = true;
  cv_.notify_one();
}

void BackgroundService::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    cv_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

bool BackgroundService::StepLocked() {
  std::lock_guard step(step_mu_);
  return Step();
}

void BackgroundService::RunUntilIdleForTest() {
  while (StepLocked()) {
  }
}

void BackgroundService::Loop() {
  while (true) {
    bool worked = StepLocked();
    std::unique_lock lock(mu_);
    if (stop_) return;
    if (worked) continue;
    cv_.wait_for(lock, period_, [this] { return notified_ || stop_; });
    notified_ = false;
    if (stop_) return;
  }
}

void JobRegistry::Update(const std::string& id, JobProgress progress) {
  std::lock_guard lock(mu_);
  auto& job = jobs_[id];
  if (job.started_us != 0) progress.started_us = job.started_us;
  job = std::move(progress);
}

void JobRegistry::Finish(const std::string& id) {
  std::lock_guard lock(mu_);
  jobs_.erase(id);
}

bool JobRegistry::Find(const std::string& id, JobProgress* out) const {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return false;
  *out = it->second;
  return true;
}

std::vector<JobProgress> JobRegistry::List() const {
  std::lock_guard lock(mu_);
  std::vector<JobProgress> out;
  for (const auto& [id, job] : jobs_) out.push_back(job);
  return out;
}

}  // namespace ddbd::engine
