#!/usr/bin/env python3
"""Seed corpora and dictionaries of the fuzz targets (docs/fuzzing.md), written into a build dir.

Every message of the protocol catalog that a phone or an app sends becomes one fuzz_frame seed
(a fuzz_frame script: see fuzz/fuzz_frame.cpp), built from the catalog's field list with values
the first-party plugins act on; a few scripts add the paths no single message reaches (webhooks,
audio, reconnects, REST). The dictionary holds every type and field name of the catalog.

usage: make_corpus.py <protocol-catalog.json> <source dir> <output dir>
A missing catalog leaves only the scripted seeds (and a warning).
"""
import base64
import hashlib
import hmac
import json
import pathlib
import sys

USER = "fuzz@example.com"
SECRET = b"fuzz-jwt-secret"  # fuzz_frame and fuzz_jwt sign with it
APPS = {"a": "com.fuzz.app", "b": "com.fuzz.background", "d": "com.fuzz.dashboard"}


def sid(package):
    return f"{USER}-{package}"


# Values the plugins act on, by field name; anything else gets a plain value of its JSON type.
KNOWN = {
    "packageName": "com.fuzz.app",
    "sessionId": sid("com.fuzz.app"),
    "apiKey": "fuzz-api-key",
    "status": "CONNECTED",
    "modelName": "Even Realities G1",
    "deviceModel": "Even Realities G1",
    "view": "main",
    "layout": {"layoutType": "text_wall", "text": "hello"},
    "durationMs": 3,
    "subscriptions": ["*", "audio_chunk", "transcription:en-US", "touch_event:double_tap",
                      "location_stream", "augmentos:metricSystemEnabled"],
    "modes": ["main", "expanded"],
    "mode": "expanded",
    "section": "topLeft",
    "position": "up",
    "gesture_name": "double_tap",
    "transcribeLanguage": "en-US",
    "requestId": "req-1",
    "audioUrl": "http://audio.invalid/a.mp3",
    "level": 80,
    "lat": 52.5,
    "lng": 13.4,
}
PLAIN = {"string": "x", "number": 1, "boolean": True, "object": {}, "array": [], "null": None}


def example(entry, optional=True):
    msg = {}
    for name, spec in entry["fields"].items():
        kinds, _, need = spec.partition(" ")
        if not optional and "required" not in need:
            continue
        msg[name] = entry["type"] if name == "type" else KNOWN.get(name, PLAIN[kinds.split("|")[0]])
    return json.dumps(msg, separators=(",", ":"))


def subscribe(letter, streams):
    package = APPS[letter]
    return letter + json.dumps({"type": "subscription_update", "packageName": package,
                                "sessionId": sid(package), "subscriptions": streams},
                               separators=(",", ":"))


def script(*lines):
    return ("\n".join(lines) + "\n").encode()


def frame_seeds(catalog):
    seeds = {}
    for e in catalog:
        for optional in (True, False):
            tag = f"{e['direction']}-{e['type']}-{'all' if optional else 'required'}"
            if e["direction"] == "glasses_to_cloud":
                seeds[tag] = script(subscribe("a", ["*", e["type"]]), "g" + example(e, optional))
            elif e["direction"] == "app_to_cloud":
                line = ("i" if e["type"] == "tpa_connection_init" else "a") + example(e, optional)
                seeds[tag] = script(line)
    dash = APPS["d"]
    init_dash = "i" + json.dumps({"type": "tpa_connection_init", "sessionId": sid(dash),
                                  "packageName": dash, "apiKey": "fuzz-api-key"})
    seeds.update({
        "lifecycle-start-webhook": script(
            'g{"type":"start_app","packageName":"com.fuzz.dashboard"}', "W200 {}", "t5",
            'g{"type":"stop_app","packageName":"com.fuzz.dashboard"}'),
        "lifecycle-webhook-refused": script(
            'g{"type":"start_app","packageName":"com.fuzz.dashboard"}', "W500 nope", "t3", "W0"),
        "lifecycle-rest": script("RPOST /apps/com.fuzz.dashboard/start", "W200 {}",
                                 "RGET /api/client/apps", "RPOST /api/apps/com.fuzz.app/stop"),
        "audio-pcm": script(subscribe("a", ["audio_chunk"]), "t2", "G" + "\x01\x02" * 160, "t5",
                            subscribe("a", []), "t5", "G\x01\x02\x03"),
        "audio-lc3": script(
            'RPOST /api/client/audio/configure {"format":"lc3","lc3Config":{"sampleRate":16000,'
            '"frameDurationMs":10,"frameSizeBytes":40}}',
            subscribe("b", ["audio_chunk"]), "G" + "\x11" * 40 + "\x22" * 21, "G" + "\x33" * 19),
        "display-throttle": script(
            'g{"type":"glasses_connection_state","status":"CONNECTED",'
            '"modelName":"Simulated Glasses"}',
            'a{"type":"display_event","packageName":"com.fuzz.app","view":"main",'
            '"layout":{"layoutType":"text_wall","text":"one"},"durationMs":3}',
            'b{"type":"display_event","packageName":"com.fuzz.background","view":"main",'
            '"layout":{"layoutType":"reference_card","title":"t","text":"x"},"forceDisplay":true}',
            "t3",
            'a{"type":"display_event","packageName":"com.fuzz.app","view":"dashboard",'
            '"layout":{"layoutType":"double_text_wall","topText":"a","bottomText":"b"}}',
            "t10"),
        "dashboard": script(
            init_dash,
            'd{"type":"dashboard_mode_change","packageName":"com.fuzz.dashboard",'
            '"mode":"expanded"}',
            'd{"type":"dashboard_system_update","packageName":"com.fuzz.dashboard",'
            '"section":"topLeft","content":"12:00"}',
            'a{"type":"dashboard_content_update","packageName":"com.fuzz.app","content":"hi",'
            '"modes":["main"]}',
            'g{"type":"head_position","position":"up"}'),
        "reconnects": script(subscribe("a", ["button_press"]), "ca", "Cb", "p",
                             'g{"type":"button_press","buttonId":"x","pressType":"short"}', "P",
                             "i" + json.dumps({"type": "tpa_connection_init",
                                               "sessionId": sid(APPS["a"]),
                                               "packageName": APPS["a"], "apiKey": "wrong"})),
        "settings-rest": script(
            'RPUT /api/client/user/settings {"settings":{"metric_system_enabled":true,'
            '"default_wearable":"Simulated Glasses"}}',
            subscribe("a", ["augmentos:metricSystemEnabled"]),
            'RPUT /api/client/user/settings/key/brightness {"value":30}',
            'RPOST /appsettings/com.fuzz.app [{"key":"k","value":1}]',
            "rGET /api/client/user/settings", "RDELETE /api/client/user/settings/key/brightness"),
        "device-rest": script(
            'RPOST /api/client/device/state {"connected":true,"modelName":"Even Realities G1",'
            '"batteryLevel":50,"wifiConnected":true,"wifiSsid":"x"}',
            'g{"type":"touch_event","device_model":"x","gesture_name":"double_tap"}',
            'g{"type":"glasses_battery_update","level":50,"charging":false}'),
        "app-settings": script("rGET /appsettings/user/com.fuzz.app",
                               'RPOST /tpasettings/com.fuzz.app {"key":"k","value":"v"}',
                               "RGET /appsettings/com.fuzz.app?x=1"),
        "legacy-settings": script('g{"type":"request_settings","sessionId":"fuzz@example.com"}',
                                  'g{"type":"core_status_update","status":{"core_info":'
                                  '{"default_wearable":"Even Realities G1"}}}'),
        # fuzz_frame's open finding (docs/fuzzing.md): a session left behind, now and then.
        "phone-drops-twice": script('a{"type":"dashboar', "P", "P"),
        "malformed": script("g{", "a[1]", 'g{"type":7}', "a" + "[" * 70 + "]" * 70, "B\x00\x01"),
    })
    return seeds


def dict_entry(word):
    """A libFuzzer dictionary literal: only \\, \" and \xAB escapes are understood."""
    out = ""
    for b in word.encode():
        c = chr(b)
        out += "\\" + c if c in '"\\' else c if 32 <= b < 127 else f"\\x{b:02X}"
    return f'"{out}"'


def frame_dict(catalog):
    words = set()
    for e in catalog:
        words.add(e["type"])
        words.update(e["fields"].keys())
    words.update(APPS.values())
    words.update(sid(p) for p in APPS.values())
    entries = [dict_entry(json.dumps(w)) for w in sorted(words)]
    # The script's actions, each at the start of a line.
    entries += [dict_entry("\n" + a) for a in "gGaAbBdDiRrWcCpPt"]
    entries += [dict_entry(s) for s in ("W200 {}", "RPOST ", "RGET ", "RPUT ", "RDELETE ",
                                        "/api/client/", "\nt9\n")]
    return "".join(f"kw{i}={w}\n" for i, w in enumerate(entries))


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(header, claims):
    head = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
    return head + "." + b64(hmac.new(SECRET, head.encode(), hashlib.sha256).digest())


def jwt_seeds():
    good = {"email": USER, "sub": USER, "iat": 1764000000}
    return {
        "token-valid": b"\x00" + jwt({"alg": "HS256", "typ": "JWT"}, good).encode(),
        "token-none": b"\x00" + (b64(b'{"alg":"none"}') + "." + b64(json.dumps(good).encode()) +
                                 ".").encode(),
        "token-hs512": b"\x00" + jwt({"alg": "HS512", "typ": "JWT"}, good).encode(),
        "claims-valid": b"\x01" + json.dumps(good).encode(),
        "claims-exp": b"\x01" + json.dumps({"email": USER, "exp": 4102444800.5}).encode(),
        "claims-expired": b"\x01" + json.dumps({"email": USER, "exp": 1000}).encode(),
        "claims-no-email": b"\x01" + json.dumps({"sub": USER, "organizations": []}).encode(),
        "header-hs256": b"\x02" + b'{"alg":"HS256","typ":"JWT"}',
        "header-other": b"\x02" + b'{"alg":"RS256","kid":"k"}',
    }


def config_seeds():
    full = {
        "server": {"host": "127.0.0.1", "port": 8002, "corsOrigins": ["*"], "threads": 2,
                   "publicWsUrl": "ws://localhost:8002/app-ws", "adminToken": "t",
                   "drainTimeoutMs": 5000, "httpReplyTimeoutMs": 30000,
                   "outboundHttpTimeoutMs": 10000, "outboundHttpMaxBodyBytes": 1048576},
        "websocket": {"glassesHeartbeatIntervalMs": 2000, "pongTimeoutMs": 30000,
                      "pongTimeoutEnabled": False, "appPingIntervalMs": 10000,
                      "maxMessageBytes": 16777216, "maxJsonDepth": 64,
                      "sendQueueMaxBytes": 4194304, "tcpUserTimeoutMs": 10000},
        "session": {"gracePeriodMs": 60000, "gracePeriodCleanupEnabled": True},
        "app": {"sessionTimeoutMs": 5000, "gracePeriodMs": 5000, "subscriptionGraceMs": 8000},
        "auth": {"jwtSecret": "s"}, "storage": {"sqlitePath": ":memory:"},
        "logging": {"level": "info", "format": "json"},
        "apps": [{"packageName": "com.example.app", "apiKey": "k", "publicUrl": "http://a/",
                  "permissions": ["MICROPHONE", {"type": "LOCATION"}], "appType": "background"},
                 {"packageName": "com.example.b", "hashedApiKey": "0" * 64}],
    }
    return {
        "full": json.dumps(full, indent=1).encode(),
        "comments": b'// glasshub\n{"server": {"port": 9000} /* block */, "$schema": "x"}',
        "empty": b"{}",
        "wrong-type": b'{"server": {"port": "80"}}',
    }


def main():
    catalog_path, source_dir, out_dir = map(pathlib.Path, sys.argv[1:4])
    if catalog_path.exists():
        catalog = json.loads(catalog_path.read_text())
    else:
        print(f"make_corpus: warning: {catalog_path} not found, no seed per catalog message")
        catalog = []
    corpora = {
        "frame": frame_seeds(catalog),
        "jwt": jwt_seeds(),
        "config": config_seeds(),
        "manifest": {"shipped": (source_dir / "plugin-manifest.json").read_bytes(),
                     "example": (source_dir / "examples/hello_plugin/plugin-manifest.json")
                     .read_bytes()
                     if (source_dir / "examples/hello_plugin/plugin-manifest.json").exists()
                     else b'{"plugins":[{"name":"hello","library":"libhello.so"}]}',
                     "disabled": json.dumps({"plugins": [{
                         "name": "display", "library": "/nonexistent/libd.so", "enabled": False,
                         "optional": True, "config": {"throttleMs": 300},
                         "disabledHandlers": ["app:display_event", "ping", "glasses:pong"]}]})
                     .encode()},
    }
    for name, seeds in corpora.items():
        folder = out_dir / "corpus" / name
        folder.mkdir(parents=True, exist_ok=True)
        for tag, data in seeds.items():
            (folder / f"seed-{tag}").write_bytes(data)
    (out_dir / "frame.dict").write_text(frame_dict(catalog))
    print(f"make_corpus: {', '.join(f'{n} {len(s)}' for n, s in corpora.items())} seeds "
          f"in {out_dir / 'corpus'}")


if __name__ == "__main__":
    main()
