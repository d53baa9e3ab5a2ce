// JS job object -> JobSpec. lib/bench/job.ts (resolveJob) validates first; this is the
// backstop: TypeError/RangeError, never an abort, and where a rule is the same as
// resolveJob's it says it in resolveJob's words.
#pragma once

#include <napi.h>

#include "bench/job_spec.h"

namespace rawio {

JobSpec ReadJobSpec(const Napi::Object& job);

}  // namespace rawio
