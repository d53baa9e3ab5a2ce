#include "engine/io_core.h"

#include <errno.h>

#include <algorithm>

#include "engine/sys_ops.h"
#include "engine/thread_engine.h"
#include "util/clock.h"

namespace rawio {

namespace {
constexpr unsigned kAuxThreads = 4;
}

IoCore::IoCore(std::unique_ptr<Engine> engine, bool aux_inline)
    : engine_(std::move(engine)), aux_inline_(aux_inline) {}

Engine* IoCore::Aux() {
  if (!aux_) aux_ = std::make_unique<ThreadEngine>(aux_inline_ ? 0 : kAuxThreads, EventFd());
  return aux_.get();
}

void IoCore::Queue(Request* req) {
  ++in_flight_;
  Route(req);
}

void IoCore::Route(Request* req) {
  if (broken_) {
    req->res = broken_;
    req->t_complete = NowNs();
    ready_.push_back(req);
    if (ready_.size() == 1 && EventFd() >= 0) SysEventfdWrite(EventFd());
    return;
  }
  if (!engine_->Runs(req->op)) {
    Aux()->Queue(req);
    aux_dirty_ = true;
    return;
  }
  if (!pending_.empty() || engine_->Queue(req) == QueueStatus::kBusy) pending_.push_back(req);
}

void IoCore::Fill() {
  while (!pending_.empty() && !broken_ && engine_->Queue(pending_.front()) == QueueStatus::kQueued)
    pending_.pop_front();
}

void IoCore::Commit() {
  if (aux_dirty_) {
    aux_dirty_ = false;
    aux_->Commit();
  }
  if (broken_) return;
  int r = engine_->Commit();
  if (r < 0) OnSubmitError(r);
}

// Returns true when the error is lasting: every request not yet in the kernel, and
// every later one, is settled with it.
bool IoCore::OnSubmitError(int r) {
  if (r == -EINTR || r == -ETIME) return false;  // a wait cut short: nothing was lost
  // The kernel is short of room for now: submit again after the next completion.
  if ((r == -EAGAIN || r == -EBUSY) && engine_->Submitted() > 0) return false;
  broken_ = r;
  uint64_t now = NowNs();
  comps_.clear();
  engine_->Abandon(r, &comps_);
  for (Completion& c : comps_) {
    c.req->res = r;
    c.req->t_complete = now;
    ready_.push_back(c.req);
  }
  for (Request* q : pending_) {
    q->res = r;
    q->t_complete = now;
    ready_.push_back(q);
  }
  pending_.clear();
  comps_.clear();
  if (!ready_.empty() && EventFd() >= 0) SysEventfdWrite(EventFd());
  return true;
}

void IoCore::Finish(Request* req, int64_t res, uint64_t now, std::vector<Request*>* done) {
  req->res = res;
  req->t_complete = now;
  --in_flight_;
  done->push_back(req);
}

// The one place where a raw result becomes a whole request (fio's io_u requeue).
void IoCore::Classify(const Completion& c, bool from_aux, uint64_t now,
                      std::vector<Request*>* done) {
  Request* req = c.req;
  int64_t res = c.res;
  if (!from_aux && !engine_->Runs(req->op)) {  // the engine's probe refused the op
    Aux()->Queue(req);
    aux_dirty_ = true;
    return;
  }
  if (MovesData(req->op)) {
    if (res == -EAGAIN) {  // requeue, as liburing's examples do
      Route(req);
      return;
    }
    if (res > 0) {
      req->Advance(res);
      if (req->done < req->length) {  // short transfer: finish it here, not in a driver
        Route(req);
        return;
      }
      res = req->done;
    } else if (res == 0) {
      if (req->done < req->length) {  // EOF: a read keeps what it got, a write fails
        req->eof = true;
        res = req->op == Op::kRead ? req->done : -EIO;
      } else {
        res = req->done;
      }
    }
  } else if (res > 0) {
    res = 0;
  }
  Finish(req, res, now, done);
}

int IoCore::Reap(unsigned min, std::vector<Request*>* done) {
  size_t start = done->size();
  uint64_t now = NowNs();
  if (!ready_.empty()) {
    for (Request* q : ready_) {
      --in_flight_;
      done->push_back(q);
    }
    ready_.clear();
  }
  if (aux_) {
    if (aux_dirty_) {
      aux_dirty_ = false;
      aux_->Commit();
    }
    comps_.clear();
    unsigned want = 0;
    if (done->size() - start < min && engine_->InFlight() == 0 && aux_->InFlight() > 0) want = 1;
    aux_->GetEvents(want, &comps_);
    for (const Completion& c : comps_) Classify(c, true, now, done);
  }
  int r = 0;
  if (!broken_ || engine_->Submitted() > 0) {
    comps_.clear();
    unsigned want = 0;
    size_t have = done->size() - start;
    if (have < min) want = static_cast<unsigned>(std::min(min - have, engine_->InFlight()));
    r = engine_->GetEvents(want, &comps_);
    if (!comps_.empty()) now = NowNs();
    for (const Completion& c : comps_) Classify(c, false, now, done);
    if (r < 0 && OnSubmitError(r)) {
      // What the lasting error settled comes back now.
      for (Request* q : ready_) {
        --in_flight_;
        done->push_back(q);
      }
      ready_.clear();
    }
  }
  Fill();
  if (r == -EINTR) return r;
  if (broken_ && done->size() == start && engine_->Submitted() > 0) return broken_;
  return 0;
}

bool IoCore::CompletionsReady() const {
  return !ready_.empty() || engine_->CompletionsReady() || (aux_ && aux_->CompletionsReady());
}

bool IoCore::Poll() {
  return !ready_.empty() || engine_->Poll() || (aux_ && aux_->CompletionsReady());
}

}  // namespace rawio
