/* glasshub plugin SDK, ABI v1 — the whole contract between the host and a plugin.
 *
 * Pure C (C99/C++ compatible), depends on nothing but <stddef.h> and <stdint.h>.
 *
 * Naming, in the spirit of Envoy's dynamic-module ABI:
 *   gh_*                 types and constants;
 *   gh_plugin_on_*       hooks the plugin implements (function pointers it hands the host);
 *   gh_host_api::*       callbacks the host implements (entries of the service table).
 * Pointer ownership is in the comment of every type: "host-owned" pointers belong to the host and
 * are only borrowed by the plugin for the stated lifetime; "plugin-owned" pointers belong to the
 * plugin, and the host only passes them back.
 *
 * Threads: every hook and handler about one user runs on that user's serial context: one call at a
 * time, in arrival order, possibly on different OS threads over time (never concurrently). Hooks
 * about the plugin itself (load, unload) run on the host's main thread with no traffic flowing.
 *
 * Compatibility rules (a plugin built against 1.x loads into every host 1.y with y >= x):
 *   - gh_plugin_info is frozen for the whole major version 1;
 *   - gh_host_api only grows at its end; its first field is its size, and a plugin must check that
 *     an entry lies inside `size` (GH_HOST_HAS) before calling it: a missing entry means
 *     "not supported by this host";
 *   - structs the plugin hands in (gh_lifecycle_hooks) start with their own size, so the host reads
 *     only what the plugin knew about;
 *   - enums only gain values; status codes, never exceptions, cross the boundary.
 */
#ifndef GLASSHUB_SDK_H
#define GLASSHUB_SDK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GLASSHUB_ABI_VERSION_MAJOR 1
#define GLASSHUB_ABI_VERSION_MINOR 1

/* Name of the one symbol every plugin exports (see gh_plugin_entry_fn). Not versioned, so that
 * a host can tell "built for another major ABI" from "not a glasshub plugin". */
#define GLASSHUB_PLUGIN_ENTRY_SYMBOL "glasshub_plugin_entry"

#if defined(_WIN32)
#define GLASSHUB_EXPORT __declspec(dllexport)
#else
#define GLASSHUB_EXPORT __attribute__((visibility("default")))
#endif

/* ---------------------------------------------------------------------------------------------
 * Basic types
 * ------------------------------------------------------------------------------------------- */

/* Bytes crossing the boundary: never NUL-terminated by contract. Owned by whoever produced it;
 * the receiver borrows it for the duration of the call unless the callee says otherwise. */
typedef struct gh_str {
  const char* ptr;
  size_t len;
} gh_str;

/* Result of every call that can fail. Values are stable; new ones are only appended. */
typedef enum gh_status {
  GH_OK = 0,
  GH_ERR_INVALID_ARGUMENT = 1, /* a parameter is malformed or out of range */
  GH_ERR_NOT_FOUND = 2,        /* the target (connection, app, key, timer) does not exist */
  GH_ERR_WRONG_STATE = 3,      /* e.g. registration outside on_load, user handle used after return */
  GH_ERR_UNSUPPORTED = 4,      /* the host does not implement this entry */
  GH_ERR_REJECTED = 5,         /* the plugin refuses (bad config, invalid message) */
  GH_ERR_INTERNAL = 6,         /* anything else; the host logs it with the correlation id */
  GH_ERR_BACKPRESSURE = 7      /* the recipient's send queue is full; the frame was dropped */
} gh_status;

/* Which WebSocket a message came from / a handler is registered for. */
typedef enum gh_endpoint {
  GH_ENDPOINT_GLASSES = 0, /* /glasses-ws: the user's phone */
  GH_ENDPOINT_APP = 1      /* /app-ws: one of the user's app servers */
} gh_endpoint;

typedef enum gh_frame_kind { GH_FRAME_TEXT = 0, GH_FRAME_BINARY = 1 } gh_frame_kind;

/* How much a frame matters when a send queue is full: droppable frames go first. */
typedef enum gh_delivery { GH_DELIVERY_RELIABLE = 0, GH_DELIVERY_DROPPABLE = 1 } gh_delivery;

typedef enum gh_log_level {
  GH_LOG_TRACE = 0,
  GH_LOG_DEBUG = 1,
  GH_LOG_INFO = 2,
  GH_LOG_WARN = 3,
  GH_LOG_ERROR = 4
} gh_log_level;

typedef enum gh_json_kind {
  GH_JSON_NULL = 0,
  GH_JSON_BOOL = 1,
  GH_JSON_NUMBER = 2,
  GH_JSON_STRING = 3,
  GH_JSON_ARRAY = 4,
  GH_JSON_OBJECT = 5,
  GH_JSON_ABSENT = 6 /* the key or index does not exist */
} gh_json_kind;

/* 1.1: HTTP methods of plugin routes and outbound calls. */
typedef enum gh_http_method {
  GH_HTTP_GET = 0,
  GH_HTTP_POST = 1,
  GH_HTTP_PUT = 2,
  GH_HTTP_DELETE = 3,
  GH_HTTP_PATCH = 4
} gh_http_method;

/* 1.1: who may call a plugin route. */
typedef enum gh_route_auth {
  /* Anyone. The handler runs on an I/O thread with `user` NULL. */
  GH_ROUTE_AUTH_NONE = 0,
  /* A valid core JWT in `Authorization: Bearer` (the host answers 401 itself otherwise). The
   * handler runs on the user's serial context with `user` set when the user has a session, else
   * on an I/O thread with `user` NULL (the plugin then guards its own shared state). */
  GH_ROUTE_AUTH_USER = 1
} gh_route_auth;

/* The type under which binary frames are routed (JSON types never contain ':'): a handler
 * registered for (GH_ENDPOINT_GLASSES, GH_BINARY_FRAME_TYPE) receives the phone's audio. */
#define GH_BINARY_FRAME_TYPE ":binary"

/* Opaque handles. All host-owned; the plugin never frees them.
 * gh_plugin:  this plugin inside the host; valid from on_load until on_unload returns.
 * gh_user:    one user session; valid only during the callback that received it (handler, hook,
 *             timer) and only on that user's serial context. Keep the user id, not the handle.
 * gh_json:    a node of the parsed message; valid only during the handler call.
 * gh_registrar: the registration window; valid only during on_load. */
typedef struct gh_plugin gh_plugin;
typedef struct gh_user gh_user;
typedef struct gh_json gh_json;
typedef struct gh_registrar gh_registrar;
/* 1.1 gh_ack: the tpa_connection_ack being built for one app; valid only during on_app_ack. */
typedef struct gh_ack gh_ack;

/* One received frame, as handed to a handler. Host-owned; every pointer in it (and the struct
 * itself) is valid only during the handler call. Only grows at its end; check `size`. */
typedef struct gh_message {
  size_t size;            /* sizeof(gh_message) as the host built it */
  gh_endpoint endpoint;   /* which socket it came from */
  gh_frame_kind kind;     /* text (JSON) or binary */
  gh_str type;            /* the JSON "type" (empty for binary frames) */
  gh_str raw;             /* the frame's bytes exactly as received: splice these to relay */
  const gh_json* root;    /* parsed JSON object (NULL for binary frames) */
  gh_user* user;          /* the sender's user session */
  gh_str user_id;         /* e.g. "alice@example.com" */
  gh_str package_name;    /* the sending app's package (endpoint APP), empty for the glasses */
  gh_str correlation_id;  /* id of this message in every log line about it */
} gh_message;

/* ---------------------------------------------------------------------------------------------
 * Hooks the plugin implements
 * ------------------------------------------------------------------------------------------- */

/* A message handler. `handler_state` is the plugin-owned pointer given at registration.
 * Runs on the sender's user serial context. Returning anything but GH_OK counts as a handler
 * error (logged with the correlation id, counted for this plugin); it never affects another
 * user or connection. */
typedef gh_status (*gh_plugin_on_message_fn)(void* handler_state, const gh_message* message);

/* Called exactly once per started timer: with `user` set when it fires (on the user's serial
 * context it was started on), or with `user` NULL when it was cancelled (by timer_cancel, user
 * session disposal or plugin unload) so that the plugin can free `timer_state`. */
typedef void (*gh_plugin_on_timer_fn)(void* timer_state, gh_user* user, uint64_t timer_id);

/* Receives bytes the host lends for the duration of the call (e.g. a key-value read). */
typedef void (*gh_plugin_on_bytes_fn)(void* sink_state, gh_str bytes);

/* 1.1: one HTTP request to a plugin route. Host-owned; valid only during the route handler call
 * (copy what the answer needs later). Only grows at its end; check `size`. */
typedef struct gh_http_request {
  size_t size;              /* sizeof(gh_http_request) as the host built it */
  gh_http_method method;
  gh_str path;              /* e.g. "/apps/com.example.app/start" (percent-encoded as received) */
  gh_str query;             /* after '?', percent-encoded; empty when none */
  gh_str body;
  gh_str content_type;
  gh_str authorization;     /* the raw Authorization header (e.g. for "Bearer pkg:apiKey") */
  const gh_str* param_names;  /* the pattern's ":name" segments, in order (without ':') */
  const gh_str* param_values; /* their percent-decoded values */
  size_t param_count;
  gh_str user_id;           /* GH_ROUTE_AUTH_USER: the token's user; else empty */
  gh_user* user;            /* that user's session when it has one, else NULL */
  uint64_t reply_id;        /* answer with host->http_respond(plugin, reply_id, ...) once */
  gh_str correlation_id;
} gh_http_request;

/* A route handler. It may answer before returning or later (from any thread) through
 * http_respond with `reply_id`. Returning anything but GH_OK without having answered makes the
 * host answer 500; no answer within the host's reply timeout makes it answer 504. */
typedef gh_status (*gh_plugin_on_request_fn)(void* route_state, const gh_http_request* request);

/* 1.1: an outbound HTTP call (e.g. a webhook to an app server). Plugin-owned; the host copies it
 * before http_call returns. */
typedef struct gh_http_call {
  size_t size;              /* sizeof(gh_http_call) as the plugin compiled it */
  gh_http_method method;
  gh_str url;               /* http:// or https:// */
  gh_str content_type;      /* empty: no Content-Type header */
  gh_str body;
  gh_str extra_headers;     /* "Name: value" lines separated by "\r\n"; may be empty */
  uint32_t timeout_ms;      /* whole exchange, connect included; 0: 10000 */
} gh_http_call;

/* What an outbound call got. Host-owned; valid only during the result callback. */
typedef struct gh_http_result {
  size_t size;
  uint16_t status;          /* the HTTP status, or 0 when no response came (see `error`) */
  gh_str body;
  gh_str error;             /* empty when a response came; else why not (timeout, refused...) */
} gh_http_result;

/* Called exactly once per http_call: on the user's serial context with `user` and `result` set,
 * or with both NULL when the call was abandoned (user session disposed, plugin unloading) so
 * that the plugin can free `call_state`. */
typedef void (*gh_plugin_on_http_result_fn)(void* call_state, gh_user* user,
                                            const gh_http_result* result);

/* Lifecycle hooks; any may be NULL. All but on_unload run on the user's serial context.
 * `package_name` is empty for glasses events. Plugin-owned struct, copied by the host. */
typedef struct gh_lifecycle_hooks {
  size_t size; /* sizeof(gh_lifecycle_hooks) as the plugin compiled it */
  void (*on_user_session_created)(void* hooks_state, gh_user* user);
  void (*on_user_session_disposed)(void* hooks_state, gh_user* user);
  void (*on_glasses_connected)(void* hooks_state, gh_user* user);
  void (*on_glasses_disconnected)(void* hooks_state, gh_user* user);
  void (*on_app_connected)(void* hooks_state, gh_user* user, gh_str package_name);
  void (*on_app_disconnected)(void* hooks_state, gh_user* user, gh_str package_name);
  /* --- 1.1 --- */
  /* The app's tpa_connection_init was validated and its ack is being built: add fields with
   * host->ack_set_field. Runs before on_app_connected (which runs after the ack is queued). */
  void (*on_app_ack)(void* hooks_state, gh_user* user, gh_str package_name, gh_ack* ack);
  /* The app's subscription set changed (update applied, or removed by app_release/grace). */
  void (*on_subscriptions_changed)(void* hooks_state, gh_user* user, gh_str package_name);
  /* The app's socket closed and did not come back within the app grace period; the host has
   * dropped its subscriptions but still accepts its session id until app_release. */
  void (*on_app_grace_expired)(void* hooks_state, gh_user* user, gh_str package_name);
  /* The user's settings changed (user_settings_update): `changed_json` is an object of the keys
   * that changed with their new values (null: deleted). */
  void (*on_user_settings_changed)(void* hooks_state, gh_user* user, gh_str changed_json);
  /* Another plugin emitted `topic` for this user (emit_event), e.g. "app_lifecycle.starting". */
  void (*on_plugin_event)(void* hooks_state, gh_user* user, gh_str topic, gh_str data_json);
} gh_lifecycle_hooks;

struct gh_host_api;

/* Called once after the library is opened and its versions are checked. Register handlers,
 * hooks and metrics through `registrar`, read config through host->plugin_config. Return GH_OK,
 * or GH_ERR_REJECTED to refuse (e.g. bad config; write the reason with host->log first).
 * `*plugin_state` (plugin-owned) is passed back to on_unload. Main thread, no traffic. */
typedef gh_status (*gh_plugin_on_load_fn)(const struct gh_host_api* host, gh_plugin* plugin,
                                          gh_registrar* registrar, void** plugin_state);

/* Called once before the library is closed, after every user callback has returned and no
 * timer of the plugin can fire. Free everything plugin-owned. Main thread. */
typedef void (*gh_plugin_on_unload_fn)(void* plugin_state);

/* What the entry point returns, by value. Frozen for ABI major 1. Strings are static literals
 * of the plugin library (valid while it is loaded). */
typedef struct gh_plugin_info {
  uint32_t abi_major;          /* GLASSHUB_ABI_VERSION_MAJOR the plugin was built against */
  uint32_t abi_minor;          /* GLASSHUB_ABI_VERSION_MINOR the plugin was built against */
  const char* name;            /* unique plugin name, e.g. "keepalive" */
  const char* version;         /* the plugin's own version, e.g. "1.0.0" */
  const char* description;     /* one line for `glasshubctl plugins list` */
  gh_plugin_on_load_fn on_load;     /* required */
  gh_plugin_on_unload_fn on_unload; /* may be NULL */
} gh_plugin_info;

/* The one exported symbol, named GLASSHUB_PLUGIN_ENTRY_SYMBOL. Must be cheap and side-effect
 * free: the CLI calls it to list a plugin without loading it into a running host.
 * Every major version keeps abi_major/abi_minor as the first two fields and the struct between
 * 17 and 512 bytes (returned in memory), so a host can read the version of any major safely. */
typedef gh_plugin_info (*gh_plugin_entry_fn)(void);

/* ---------------------------------------------------------------------------------------------
 * Services the host implements (the host API table)
 * ------------------------------------------------------------------------------------------- */

/* Host-owned, static for the life of the process. Entries are only appended; test with
 * GH_HOST_HAS(host, entry) before calling an entry newer than 1.0. */
typedef struct gh_host_api {
  size_t size;         /* sizeof(gh_host_api) of the host */
  uint32_t abi_major;  /* the host's ABI version */
  uint32_t abi_minor;

  /* --- registration: only inside on_load, else GH_ERR_WRONG_STATE ---------------------------- */

  /* Claim (endpoint, type). Two plugins claiming the same pair fail the host's start-up.
   * `handler_state` is plugin-owned and must outlive the plugin's load. */
  gh_status (*register_handler)(gh_registrar* registrar, gh_endpoint endpoint, gh_str type,
                                gh_plugin_on_message_fn handler, void* handler_state);
  /* Lifecycle hooks; the struct is copied, `hooks_state` is plugin-owned. At most one call. */
  gh_status (*register_hooks)(gh_registrar* registrar, const gh_lifecycle_hooks* hooks,
                              void* hooks_state);
  /* Declare a counter / histogram; the id is used later from any thread. Names are prefixed
   * with the plugin name by the host. `bounds` (ascending upper bounds) is copied. */
  gh_status (*declare_counter)(gh_registrar* registrar, gh_str name, gh_str help,
                               uint32_t* id_out);
  gh_status (*declare_histogram)(gh_registrar* registrar, gh_str name, gh_str help,
                                 const double* bounds, size_t bounds_count, uint32_t* id_out);

  /* --- plugin-wide services: any thread, valid while the plugin is loaded -------------------- */

  /* The "config" object of this plugin's manifest entry as JSON bytes ("{}" when absent).
   * Host-owned, valid until on_unload. */
  gh_str (*plugin_config)(gh_plugin* plugin);
  /* The same config, parsed: an object node readable with the json_* entries below.
   * Host-owned, valid until on_unload. */
  const gh_json* (*plugin_config_root)(gh_plugin* plugin);
  /* Structured log line, tagged with the plugin name and, when called from inside a handler or
   * from a timer, the current correlation id and user id. */
  void (*log)(gh_plugin* plugin, gh_log_level level, gh_str text);
  void (*counter_add)(gh_plugin* plugin, uint32_t counter_id, uint64_t delta);
  void (*histogram_observe)(gh_plugin* plugin, uint32_t histogram_id, double value);
  /* Correlation id of the message being handled on the calling thread (empty outside one).
   * Host-owned, valid until the handler returns. */
  gh_str (*current_correlation_id)(gh_plugin* plugin);

  /* --- JSON view of a message (valid during the handler call) or of the plugin config --------- */

  gh_json_kind (*json_kind)(const gh_json* node);
  /* Member of an object by key, or NULL (kind GH_JSON_ABSENT) when missing / not an object. */
  const gh_json* (*json_get)(const gh_json* node, gh_str key);
  size_t (*json_array_size)(const gh_json* node);
  const gh_json* (*json_array_at)(const gh_json* node, size_t index);
  /* Typed reads: GH_OK, or GH_ERR_INVALID_ARGUMENT if the node has another kind. */
  gh_status (*json_string)(const gh_json* node, gh_str* out);
  gh_status (*json_number)(const gh_json* node, double* out);
  gh_status (*json_bool)(const gh_json* node, int* out);
  /* Serialize a node (compact) into `sink`; for the rare case the raw frame will not do. */
  gh_status (*json_dump)(const gh_json* node, gh_plugin_on_bytes_fn sink, void* sink_state);

  /* --- per-user actions: only on the user's serial context, with a live gh_user ------------- */

  gh_str (*user_id)(gh_user* user);
  /* Frame to the user's phone. Bytes are copied (or shared) before return. GH_ERR_NOT_FOUND
   * when the phone is not connected. */
  gh_status (*send_to_glasses)(gh_user* user, gh_frame_kind kind, gh_str bytes,
                               gh_delivery delivery);
  /* Frame to one app of the user. GH_ERR_NOT_FOUND when that app has no open socket. */
  gh_status (*send_to_app)(gh_user* user, gh_str package_name, gh_frame_kind kind, gh_str bytes,
                           gh_delivery delivery);
  /* Deliver `data_json` (a JSON value, spliced verbatim) as a `data_stream` to every app of the
   * user subscribed to `stream` (or to a wildcard); the host owns the subscription table and
   * writes `streamType` exactly as each app subscribed. `*delivered_out` (may be NULL) gets the
   * number of apps reached. */
  gh_status (*publish)(gh_user* user, gh_str stream, gh_str data_json, gh_delivery delivery,
                       uint32_t* delivered_out);
  /* Same fan-out for binary frames (audio): one shared buffer, no per-recipient copy. */
  gh_status (*publish_binary)(gh_user* user, gh_str stream, gh_str bytes, gh_delivery delivery,
                              uint32_t* delivered_out);
  /* Close the user's phone socket (empty package) or one app's socket, with a close code and
   * reason (reason at most 123 bytes). */
  gh_status (*close_connection)(gh_user* user, gh_str package_name, uint16_t code,
                                gh_str reason);
  /* One-shot timer on this user's serial context. `timer_state` is plugin-owned. The timer is
   * cancelled automatically when the user session is disposed or the plugin unloads. */
  gh_status (*timer_start)(gh_user* user, uint64_t delay_ms, gh_plugin_on_timer_fn on_timer,
                           void* timer_state, uint64_t* timer_id_out);
  gh_status (*timer_cancel)(gh_user* user, uint64_t timer_id);
  /* Allow `package_name` (an app of the registry) to open its app socket for this user: issues
   * the session id "<userId>-<packageName>" that its tpa_connection_init must present, and
   * passes it to `sink` (borrowed for that call). GH_ERR_NOT_FOUND for an unknown package. */
  gh_status (*allow_app)(gh_user* user, gh_str package_name, gh_plugin_on_bytes_fn sink,
                         void* sink_state);

  /* --- small per-plugin key-value store: any thread, values up to 1 MiB ---------------------- */

  /* Calls `sink` once with the value (borrowed for that call) or returns GH_ERR_NOT_FOUND. */
  gh_status (*kv_get)(gh_plugin* plugin, gh_str key, gh_plugin_on_bytes_fn sink,
                      void* sink_state);
  gh_status (*kv_put)(gh_plugin* plugin, gh_str key, gh_str value);
  gh_status (*kv_delete)(gh_plugin* plugin, gh_str key);

  /* --- 1.1 ----------------------------------------------------------------------------------- */

  /* Registration (only inside on_load). Serve `method` on `pattern`: literal segments and
   * ":name" segments (one path segment each), e.g. "/apps/:packageName/start". A pattern taken
   * by another plugin (same method, same literal/parameter shape) fails the host's start-up. */
  gh_status (*register_route)(gh_registrar* registrar, gh_http_method method, gh_str pattern,
                              gh_route_auth auth, gh_plugin_on_request_fn handler,
                              void* route_state);
  /* Answer a route request, from any thread, exactly once. `content_type` empty means
   * "application/json". GH_ERR_NOT_FOUND when already answered or timed out. */
  gh_status (*http_respond)(gh_plugin* plugin, uint64_t reply_id, uint16_t status,
                            gh_str content_type, gh_str body);
  /* Start an outbound HTTP call without blocking; `on_result` runs once (see its type).
   * Only on the user's serial context with a live gh_user. */
  gh_status (*http_call)(gh_user* user, const gh_http_call* call,
                         gh_plugin_on_http_result_fn on_result, void* call_state,
                         uint64_t* call_id_out);
  /* The registry entry of `package` as a JSON object (packageName, name, publicUrl, appType,
   * permissions [{type}], hardwareRequirements, logoUrl, webviewUrl, description; never the key
   * hash), passed to `sink`. Any thread. GH_ERR_NOT_FOUND for an unknown package. */
  gh_status (*app_registry_get)(gh_plugin* plugin, gh_str package, gh_plugin_on_bytes_fn sink,
                                void* sink_state);
  /* Every registry entry, as a JSON array of such objects. Any thread. */
  gh_status (*app_registry_list)(gh_plugin* plugin, gh_plugin_on_bytes_fn sink, void* sink_state);
  /* The app leaves the user's session: its subscriptions are dropped, its session id stops being
   * accepted (init then gets APP_NOT_STARTED) until allow_app again, and its socket, if open,
   * is closed with `close_code`/`reason` (code 0: left open). Strand only. */
  gh_status (*app_release)(gh_user* user, gh_str package, uint16_t close_code, gh_str reason);
  /* One frame to every app of the user with an open socket (one shared buffer). */
  gh_status (*broadcast_to_apps)(gh_user* user, gh_frame_kind kind, gh_str bytes,
                                 gh_delivery delivery, uint32_t* delivered_out);
  /* The user's apps as JSON: [{"packageName","connected":bool,"subscriptions":[...]}] (every
   * app the host knows for this session: connected, or in its grace period). Strand only. */
  gh_status (*user_apps)(gh_user* user, gh_plugin_on_bytes_fn sink, void* sink_state);
  /* Inside on_app_ack: set top-level field `key` of the ack to `json_value` (a JSON value,
   * spliced verbatim; last writer wins). Keys "type", "sessionId" and "timestamp" are refused. */
  gh_status (*ack_set_field)(gh_ack* ack, gh_str key, gh_str json_value);
  /* Host settings plugins may need, as a parsed object (no secrets): {"publicWsUrl",
   * "app":{"sessionTimeoutMs","gracePeriodMs","subscriptionGraceMs"},
   * "session":{"gracePeriodMs"}}. Host-owned, valid while the plugin is loaded. */
  const gh_json* (*host_settings)(gh_plugin* plugin);
  /* Per-user plugin state without locks: one pointer per (user session, plugin), read and
   * written only on the user's serial context. Setting replaces (and frees) the previous one;
   * `free_fn` (may be NULL) runs when the session is disposed, after on_user_session_disposed. */
  gh_status (*user_data_set)(gh_user* user, gh_plugin* plugin, void* data,
                             void (*free_fn)(void* data));
  void* (*user_data_get)(gh_user* user, gh_plugin* plugin);
  /* The user's settings (the host's store) as one JSON object, passed to `sink`. Any thread;
   * `{}` for a user with none. */
  gh_status (*user_settings_get)(gh_plugin* plugin, gh_str user_id, gh_plugin_on_bytes_fn sink,
                                 void* sink_state);
  /* Merge `patch_json` (an object; a null value deletes its key) into the user's settings.
   * Any thread. When something changed and the user has a session, every plugin's
   * on_user_settings_changed runs on that session's serial context afterwards. */
  gh_status (*user_settings_update)(gh_plugin* plugin, gh_str user_id, gh_str patch_json);
  /* Tell the other plugins something happened for this user: their on_plugin_event runs now, in
   * manifest order (the emitter is skipped). `data_json` is a JSON value. Strand only. */
  gh_status (*emit_event)(gh_user* user, gh_str topic, gh_str data_json);
  /* Registration (only inside on_load): see every (endpoint, type) message without owning it.
   * Observers run after the owner's handler (or the host's relay when nobody owns the type), in
   * manifest order; their status is counted for their plugin and changes nothing for others.
   * Several plugins may observe one type; the manifest's disabledHandlers switch them off too. */
  gh_status (*register_observer)(gh_registrar* registrar, gh_endpoint endpoint, gh_str type,
                                 gh_plugin_on_message_fn handler, void* handler_state);
} gh_host_api;

/* True when the host's table contains `entry` (a member name of gh_host_api). */
#define GH_HOST_HAS(host, entry)                                                              \
  ((host) != NULL && (host)->size >= offsetof(gh_host_api, entry) + sizeof((host)->entry) &&  \
   (host)->entry != NULL)

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* GLASSHUB_SDK_H */
