// The profiles as compact JSON, written once here and spliced into every frame that carries them.
#include "capabilities.hpp"

#include <array>
#include <utility>

namespace glasshub::device {

namespace {

// Exact reference profile, field for field (protocol.md §9.12).
constexpr std::string_view kSimulatedGlasses =
    R"({"modelName":"Simulated Glasses",)"
    R"("hasCamera":false,"camera":null,)"
    R"("hasDisplay":true,"display":{"count":1,"isColor":false,"color":"green",)"
    R"("canDisplayBitmap":false,"resolution":{"width":640,"height":480},)"
    R"("fieldOfView":{"horizontal":30},"maxTextLines":7,"adjustBrightness":true},)"
    R"("hasMicrophone":true,"microphone":{"count":1,"hasVAD":false},)"
    R"("hasSpeaker":true,"speaker":{"count":1,"isPrivate":false},)"
    R"("hasIMU":false,"imu":null,)"
    R"("hasButton":true,"button":{"count":1,"buttons":[{"type":"press","events":["press"],)"
    R"("isCapacitive":false}]},)"
    R"("hasLight":false,"light":null,)"
    R"("power":{"hasExternalBattery":false},)"
    R"("hasWifi":false})";

// DERIVED, not from protocol.md: the four profiles below follow the capability files of public
// copies of the MentraOS cloud (their version relative to the 2026-03 reference is unknown),
// reduced to the §9.12 object shape. protocol.md only fixes the model names.

// Two green monochrome displays, one microphone, head-tilt IMU (raw data not exposed), no camera,
// speaker, button, light or Wi-Fi.
constexpr std::string_view kEvenRealitiesG1 =
    R"({"modelName":"Even Realities G1",)"
    R"("hasCamera":false,"camera":null,)"
    R"("hasDisplay":true,"display":{"count":2,"isColor":false,"color":"green",)"
    R"("canDisplayBitmap":true,"resolution":{"width":640,"height":200},)"
    R"("fieldOfView":{"horizontal":25},"maxTextLines":5,"adjustBrightness":true},)"
    R"("hasMicrophone":true,"microphone":{"count":1,"hasVAD":false},)"
    R"("hasSpeaker":false,"speaker":null,)"
    R"("hasIMU":true,"imu":null,)"
    R"("hasButton":false,"button":null,)"
    R"("hasLight":false,"light":null,)"
    R"("power":{"hasExternalBattery":false},)"
    R"("hasWifi":false})";

// As G1, plus a capacitive touch bar.
constexpr std::string_view kEvenRealitiesG2 =
    R"({"modelName":"Even Realities G2",)"
    R"("hasCamera":false,"camera":null,)"
    R"("hasDisplay":true,"display":{"count":2,"isColor":false,"color":"green",)"
    R"("canDisplayBitmap":true,"resolution":{"width":640,"height":200},)"
    R"("fieldOfView":{"horizontal":25},"maxTextLines":5,"adjustBrightness":true},)"
    R"("hasMicrophone":true,"microphone":{"count":1,"hasVAD":false},)"
    R"("hasSpeaker":false,"speaker":null,)"
    R"("hasIMU":true,"imu":null,)"
    R"("hasButton":true,"button":{"count":1,"buttons":[{"type":"swipe1d","events":["TAP",)"
    R"("DOUBLE_TAP","TRIPLE_TAP","PRESS_HOLD","SWIPE_UP","SWIPE_DOWN"],"isCapacitive":true}]},)"
    R"("hasLight":false,"light":null,)"
    R"("power":{"hasExternalBattery":false},)"
    R"("hasWifi":false})";

// Camera (photo, record, RTMP stream), no display, microphone with VAD, speaker, 6-axis IMU, one
// button, privacy light and RGB LED, Wi-Fi.
constexpr std::string_view kMentraLive =
    R"({"modelName":"Mentra Live",)"
    R"("hasCamera":true,"camera":{"resolution":{"width":1920,"height":1080},"hasHDR":false,)"
    R"("hasFocus":true,"video":{"canRecord":true,"canStream":true,)"
    R"("supportedStreamTypes":["rtmp"],"supportedResolutions":[{"width":1920,"height":1080},)"
    R"({"width":1280,"height":720},{"width":640,"height":480}]}},)"
    R"("hasDisplay":false,"display":null,)"
    R"("hasMicrophone":true,"microphone":{"count":1,"hasVAD":true},)"
    R"("hasSpeaker":true,"speaker":{"count":1,"isPrivate":false},)"
    R"("hasIMU":true,"imu":{"axisCount":6,"hasAccelerometer":true,"hasCompass":false,)"
    R"("hasGyroscope":true},)"
    R"("hasButton":true,"button":{"count":1,"buttons":[{"type":"press",)"
    R"("events":["press","double_press","long_press"],"isCapacitive":false}]},)"
    R"("hasLight":true,"light":{"count":2,"lights":[{"id":"privacy","purpose":"privacy",)"
    R"("isFullColor":false,"color":"white","position":"front_facing"},{"id":"user_feedback",)"
    R"("purpose":"user_feedback","isFullColor":true,"color":"rgb","position":"user_facing"}]},)"
    R"("power":{"hasExternalBattery":false},)"
    R"("hasWifi":true})";

// The display the simulated profile copies; nothing else.
constexpr std::string_view kVuzixZ100 =
    R"({"modelName":"Vuzix Z100",)"
    R"("hasCamera":false,"camera":null,)"
    R"("hasDisplay":true,"display":{"count":1,"isColor":false,"color":"green",)"
    R"("canDisplayBitmap":false,"resolution":{"width":640,"height":480},)"
    R"("fieldOfView":{"horizontal":30},"maxTextLines":7,"adjustBrightness":true},)"
    R"("hasMicrophone":false,"microphone":null,)"
    R"("hasSpeaker":false,"speaker":null,)"
    R"("hasIMU":false,"imu":null,)"
    R"("hasButton":false,"button":null,)"
    R"("hasLight":false,"light":null,)"
    R"("power":{"hasExternalBattery":false},)"
    R"("hasWifi":false})";

constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kProfiles{{
    {"Simulated Glasses", kSimulatedGlasses},
    {"Even Realities G1", kEvenRealitiesG1},
    {"Even Realities G2", kEvenRealitiesG2},
    {"Mentra Live", kMentraLive},
    {"Vuzix Z100", kVuzixZ100},
}};

}  // namespace

std::optional<std::string_view> capabilities_json(std::string_view model_name) noexcept {
  for (const auto& [name, json] : kProfiles)
    if (name == model_name) return json;
  return std::nullopt;
}

}  // namespace glasshub::device
