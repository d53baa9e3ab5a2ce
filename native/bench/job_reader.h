// JS job object -> JobSpec. lib/bench/job.ts validates with clear messages first;
// this is the backstop: TypeError/RangeError, never an abort.
#pragma once

#include <napi.h>

#include "bench/job_spec.h"

namespace rawio {

JobSpec ReadJobSpec(const Napi::Object& job);

}  // namespace rawio
