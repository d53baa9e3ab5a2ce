#include "safety/safety_module.h"

namespace rawio {

void RegisterSafety(Napi::Env, Napi::Object) {}

}  // namespace rawio
