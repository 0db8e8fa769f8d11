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
#define GLASSHUB_ABI_VERSION_MINOR 0

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
} gh_host_api;

/* True when the host's table contains `entry` (a member name of gh_host_api). */
#define GH_HOST_HAS(host, entry)                                                              \
  ((host) != NULL && (host)->size >= offsetof(gh_host_api, entry) + sizeof((host)->entry) &&  \
   (host)->entry != NULL)

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* GLASSHUB_SDK_H */
