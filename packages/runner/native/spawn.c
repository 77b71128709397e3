// Starts processes by vfork and tells Node when they exit.
//
// Node's child_process forks on Linux (libuv keeps posix_spawn for macOS): the parent's page
// tables are copied, the call blocks until the child has exec'd, and the child then unmaps its
// copy of the parent. This module starts a child with clone(CLONE_VM | CLONE_VFORK) on a stack of
// its own, as glibc's posix_spawn does, which copies nothing; unlike posix_spawn, its child can
// also move itself into the task's cgroup before exec. The spawn broker (src/process/spawn-broker-main.ts) uses this module when it
// loads and falls back to child_process when it does not; src/process/native-spawn.ts is its
// TypeScript face and says what it expects.
//
// Exits are watched through a pidfd (Linux 5.3+) polled on Node's event loop, and reaped here
// with waitpid for that pid only, so Node's own children are never touched.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <signal.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#define CHECK(call)                                                                                \
  do {                                                                                             \
    if ((call) != napi_ok) {                                                                       \
      napi_throw_error(env, NULL, "claudine native spawn: " #call " failed");                       \
      return NULL;                                                                                 \
    }                                                                                              \
  } while (0)

// The module's state: the JS function told about every exit, and an async context for calling
// it (so that microtasks and async hooks run as after any other Node callback).
typedef struct {
  napi_ref on_exit;
  napi_async_context context;
  // The stack children run on until they exec (one at a time: the caller waits meanwhile).
  void *stack;
} module_state;

typedef struct {
  uv_poll_t poll;
  napi_env env;
  module_state *state;
  pid_t pid;
  int pidfd;
} watched_child;

static int open_pidfd(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

// Throws an Error whose `errno` is the (positive) error number and `syscall` the step that failed.
static void throw_errno(napi_env env, int error, const char *step) {
  napi_value message, value, number, name;
  char text[256];
  snprintf(text, sizeof text, "%s: %s", step, strerror(error));
  if (napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message) != napi_ok) return;
  if (napi_create_error(env, NULL, message, &value) != napi_ok) return;
  if (napi_create_int32(env, error, &number) == napi_ok) napi_set_named_property(env, value, "errno", number);
  if (napi_create_string_utf8(env, step, NAPI_AUTO_LENGTH, &name) == napi_ok) {
    napi_set_named_property(env, value, "syscall", name);
  }
  napi_throw(env, value);
}

// A JS string as a malloc'ed C string; NULL (with an exception pending) if it is not a string.
static char *string_argument(napi_env env, napi_value value) {
  size_t length;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a string");
    return NULL;
  }
  char *text = malloc(length + 1);
  if (text == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  napi_get_value_string_utf8(env, value, text, length + 1, &length);
  if (strlen(text) != length) {
    free(text);
    napi_throw_type_error(env, NULL, "a string holds a NUL character");
    return NULL;
  }
  return text;
}

static void free_strings(char **strings) {
  if (strings == NULL) return;
  for (char **each = strings; *each != NULL; each++) free(*each);
  free(strings);
}

// A JS array of strings as a NULL-terminated array of C strings.
static char **strings_argument(napi_env env, napi_value array) {
  uint32_t count;
  if (napi_get_array_length(env, array, &count) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected an array of strings");
    return NULL;
  }
  char **strings = calloc(count + 1, sizeof(char *));
  if (strings == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  for (uint32_t index = 0; index < count; index++) {
    napi_value element;
    if (napi_get_element(env, array, index, &element) != napi_ok ||
        (strings[index] = string_argument(env, element)) == NULL) {
      free_strings(strings);
      return NULL;
    }
  }
  return strings;
}

// Where `file` is found the way execvp finds it, but on the child's PATH (as libuv does): a name
// with a slash is used as it is; otherwise the first executable regular file of that name in the
// PATH's directories (relative ones taken from `cwd`). Returns 0 or an error number.
static int resolve(const char *file, char *const *envp, const char *cwd, char *found, size_t size) {
  if (strchr(file, '/') != NULL) {
    if (strlen(file) >= size) return ENAMETOOLONG;
    strcpy(found, file);
    return 0;
  }
  const char *path = "/usr/local/bin:/usr/bin:/bin";
  for (char *const *each = envp; *each != NULL; each++) {
    if (strncmp(*each, "PATH=", 5) == 0) path = *each + 5;
  }
  int error = ENOENT;
  for (const char *start = path;; start++) {
    const char *end = strchr(start, ':');
    size_t length = end == NULL ? strlen(start) : (size_t)(end - start);
    int written;
    if (length == 0) {
      written = snprintf(found, size, "%s/%s", cwd, file);
    } else if (start[0] == '/') {
      written = snprintf(found, size, "%.*s/%s", (int)length, start, file);
    } else {
      written = snprintf(found, size, "%s/%.*s/%s", cwd, (int)length, start, file);
    }
    struct stat status;
    if (written > 0 && (size_t)written < size && stat(found, &status) == 0 && S_ISREG(status.st_mode)) {
      if (access(found, X_OK) == 0) return 0;
      error = EACCES;
    }
    if (end == NULL) return error;
    start = end;
  }
}

static void closed(uv_handle_t *handle) {
  watched_child *child = (watched_child *)handle;
  close(child->pidfd);
  free(child);
}

// The pidfd is readable: the child has exited. Reap it and tell JS (pid, code, signal).
static void child_exited(uv_poll_t *poll, int status, int events) {
  (void)status;
  (void)events;
  watched_child *child = (watched_child *)poll;
  int wait_status;
  pid_t reaped;
  do reaped = waitpid(child->pid, &wait_status, WNOHANG);
  while (reaped == -1 && errno == EINTR);
  if (reaped == 0) return;  // Not yet (a spurious wake-up): keep polling.
  uv_poll_stop(poll);
  uv_close((uv_handle_t *)poll, closed);
  napi_env env = child->env;
  module_state *state = child->state;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback, receiver, argv[3], result;
  if (napi_get_reference_value(env, state->on_exit, &callback) == napi_ok && callback != NULL &&
      napi_get_global(env, &receiver) == napi_ok) {
    napi_create_int32(env, child->pid, &argv[0]);
    if (reaped == -1) {
      // Someone else reaped it (never Node, which waits for its own children only): the status
      // is lost. Reported as code null and signal 0 so the caller can say so.
      napi_get_null(env, &argv[1]);
      napi_create_int32(env, 0, &argv[2]);
    } else if (WIFEXITED(wait_status)) {
      napi_create_int32(env, WEXITSTATUS(wait_status), &argv[1]);
      napi_get_null(env, &argv[2]);
    } else {
      napi_get_null(env, &argv[1]);
      napi_create_int32(env, WTERMSIG(wait_status), &argv[2]);
    }
    if (napi_make_callback(env, state->context, receiver, callback, 3, argv, &result) == napi_pending_exception) {
      // Thrown by the callback: it goes to process 'uncaughtException', as from any callback.
      napi_value exception;
      if (napi_get_and_clear_last_exception(env, &exception) == napi_ok) napi_fatal_exception(env, exception);
    }
  }
  napi_close_handle_scope(env, scope);
}

// What the child needs, prepared by the parent (the child must not allocate), and where it
// leaves the error number if it cannot exec.
typedef struct {
  const char *program;
  char *const *argv;
  char *const *envp;
  const char *cwd;
  int fds[3];
  int cgroup_procs;
  int error;
} child_plan;

static _Noreturn void child_failed(child_plan *plan) {
  plan->error = errno;
  _exit(127);
}

// The child, on its own stack, sharing the broker's memory until it execs (the broker's thread
// waits meanwhile): only system calls from here, nothing that allocates or locks.
static int child_main(void *argument) {
  child_plan *plan = argument;
  // Born in the task's cgroup: it moves itself there before anything else (a cgroup that cannot
  // be entered costs only exact accounting, never the task).
  if (plan->cgroup_procs >= 0 && write(plan->cgroup_procs, "0", 1) < 0) {
    // Started outside the cgroup.
  }
  // Every signal back to its default disposition: a handler of the broker's must never run
  // here, in its memory, and an ignored signal (Node ignores SIGPIPE) would stay ignored across
  // exec. (glibc's own two signals, 32 and 33, are refused by sigaction: they are only ever sent
  // to the broker's threads, and exec resets their handlers.)
  struct sigaction default_action;
  memset(&default_action, 0, sizeof default_action);
  default_action.sa_handler = SIG_DFL;
  for (int sig = 1; sig < _NSIG; sig++) {
    struct sigaction current;
    if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, NULL, &current) != 0) continue;
    if (current.sa_handler != SIG_DFL) sigaction(sig, &default_action, NULL);
  }
  if (setsid() < 0) child_failed(plan);
  for (int target = 0; target < 3; target++) {
    int fd = plan->fds[target];
    if (fd < 0) {
      fd = open("/dev/null", target == 0 ? O_RDONLY : O_WRONLY);
      if (fd < 0) child_failed(plan);
    }
    // dup2 leaves the new descriptor without close-on-exec. (Every descriptor given is above 2.)
    if (dup2(fd, target) < 0) child_failed(plan);
    if (plan->fds[target] < 0) close(fd);
  }
  if (chdir(plan->cwd) != 0) child_failed(plan);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  execve(plan->program, plan->argv, plan->envp);
  child_failed(plan);
}

#define CHILD_STACK_BYTES (128 * 1024)

// spawn(file, args, env, cwd, stdin, stdout, stderr, cgroupProcs): pid
//   file    the program, looked up on env's PATH when it has no slash
//   args    argv, including argv[0]
//   env     "NAME=value" strings
//   cwd     the working directory
//   stdin, stdout, stderr   file descriptors (above 2) for 0, 1 and 2; -1 for /dev/null
//   cgroupProcs   an open cgroup.procs file the child moves itself into; -1 for none
// The child is started by clone(CLONE_VM | CLONE_VFORK), as glibc's posix_spawn does: nothing of
// the broker is copied, and this returns once the child has exec'd. It runs in a new session
// (and so a new process group), with every signal's disposition back to the default and none
// blocked, as Node's `detached: true` gives. Throws an Error with `errno` when it cannot be
// started, including when the program or cwd does not exist.
static napi_value spawn_process(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  module_state *state;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&state));
  if (argc != 8) {
    napi_throw_type_error(env, NULL, "spawn takes 8 arguments");
    return NULL;
  }
  int fds[4];
  for (int index = 0; index < 4; index++) {
    if (napi_get_value_int32(env, argv[4 + index], &fds[index]) != napi_ok || (fds[index] >= 0 && fds[index] <= 2)) {
      napi_throw_type_error(env, NULL, "stdin, stdout, stderr and cgroupProcs must be file descriptors above 2, or -1");
      return NULL;
    }
  }
  if (state->stack == NULL) {
    void *stack = mmap(NULL, CHILD_STACK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) {
      throw_errno(env, errno, "mmap");
      return NULL;
    }
    state->stack = stack;
  }
  char *file = NULL, *cwd = NULL, **args = NULL, **environment = NULL;
  napi_value result = NULL;
  if ((file = string_argument(env, argv[0])) == NULL || (args = strings_argument(env, argv[1])) == NULL ||
      (environment = strings_argument(env, argv[2])) == NULL || (cwd = string_argument(env, argv[3])) == NULL) {
    goto done;
  }
  char program[4096];
  int error = resolve(file, environment, cwd, program, sizeof program);
  if (error != 0) {
    throw_errno(env, error, "spawn");
    goto done;
  }
  // The agent must get blocking descriptors: a program that meets EAGAIN on its stdout usually
  // fails. O_NONBLOCK belongs to the open file, which dup2 shares, and the broker's sockets are
  // non-blocking (libuv's). It is cleared here, for good: the broker does no I/O on these and
  // closes them next.
  for (int index = 0; index < 3; index++) {
    int flags = fds[index] < 0 ? 0 : fcntl(fds[index], F_GETFL);
    if (flags > 0 && (flags & O_NONBLOCK) != 0 && fcntl(fds[index], F_SETFL, flags & ~O_NONBLOCK) != 0) {
      throw_errno(env, errno, "spawn");
      goto done;
    }
  }
  child_plan plan = {
      .program = program,
      .argv = args,
      .envp = environment,
      .cwd = cwd,
      .fds = {fds[0], fds[1], fds[2]},
      .cgroup_procs = fds[3],
      .error = 0,
  };
  // No signal handler may run in the child before it has reset them all: block everything
  // across the clone (the child inherits the mask and clears it just before exec).
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  pid_t pid = clone(child_main, (char *)state->stack + CHILD_STACK_BYTES, CLONE_VM | CLONE_VFORK | SIGCHLD, &plan);
  int clone_error = errno;
  pthread_sigmask(SIG_SETMASK, &previous, NULL);
  if (pid < 0) {
    throw_errno(env, clone_error, "spawn");
    goto done;
  }
  if (plan.error != 0) {
    // It exited without exec'ing: reap it, and say why.
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
    throw_errno(env, plan.error, "spawn");
    goto done;
  }
  watched_child *child = calloc(1, sizeof *child);
  int pidfd = open_pidfd(pid);
  uv_loop_t *loop;
  if (child == NULL || pidfd < 0 || napi_get_uv_event_loop(env, &loop) != napi_ok ||
      uv_poll_init(loop, &child->poll, pidfd) != 0) {
    // Cannot watch it: it must not run unwatched.
    int cause = pidfd < 0 ? errno : ENOMEM;
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    if (pidfd >= 0) close(pidfd);
    free(child);
    throw_errno(env, cause, "pidfd_open");
    goto done;
  }
  child->env = env;
  child->state = state;
  child->pid = pid;
  child->pidfd = pidfd;
  uv_poll_start(&child->poll, UV_READABLE, child_exited);
  napi_create_int32(env, pid, &result);
done:
  free(file);
  free(cwd);
  free_strings(args);
  free_strings(environment);
  return result;
}

// onExit(callback): the function called with (pid, code, signal) for every child that exits.
static napi_value set_on_exit(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value callback;
  module_state *state;
  CHECK(napi_get_cb_info(env, info, &argc, &callback, NULL, (void **)&state));
  if (state->on_exit != NULL) CHECK(napi_delete_reference(env, state->on_exit));
  CHECK(napi_create_reference(env, callback, 1, &state->on_exit));
  return NULL;
}

// pipe(): [read, write], both close-on-exec (the child's dup2 clears it on its copy).
static napi_value make_pipe(napi_env env, napi_callback_info info) {
  (void)info;
  int ends[2];
  if (pipe2(ends, O_CLOEXEC) != 0) {
    throw_errno(env, errno, "pipe2");
    return NULL;
  }
  napi_value array, read_end, write_end;
  CHECK(napi_create_array_with_length(env, 2, &array));
  CHECK(napi_create_int32(env, ends[0], &read_end));
  CHECK(napi_create_int32(env, ends[1], &write_end));
  CHECK(napi_set_element(env, array, 0, read_end));
  CHECK(napi_set_element(env, array, 1, write_end));
  return array;
}

// closeFd(fd): closes a descriptor this module handed out and JS no longer needs.
static napi_value close_fd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argument;
  int fd;
  CHECK(napi_get_cb_info(env, info, &argc, &argument, NULL, NULL));
  CHECK(napi_get_value_int32(env, argument, &fd));
  close(fd);
  return NULL;
}

static void free_state(napi_env env, void *data, void *hint) {
  (void)hint;
  module_state *state = data;
  if (state->on_exit != NULL) napi_delete_reference(env, state->on_exit);
  napi_async_destroy(env, state->context);
  if (state->stack != NULL) munmap(state->stack, CHILD_STACK_BYTES);
  free(state);
}

NAPI_MODULE_INIT() {
  // A kernel without pidfds cannot watch children this way: the module then refuses to load,
  // and the caller falls back to child_process.
  int probe = open_pidfd(getpid());
  if (probe < 0) {
    throw_errno(env, errno, "pidfd_open");
    return NULL;
  }
  close(probe);
  module_state *state = calloc(1, sizeof *state);
  if (state == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  napi_value resource_name;
  CHECK(napi_create_string_utf8(env, "claudine:spawn", NAPI_AUTO_LENGTH, &resource_name));
  CHECK(napi_async_init(env, NULL, resource_name, &state->context));
  CHECK(napi_set_instance_data(env, state, free_state, NULL));
  napi_property_descriptor properties[] = {
      {"spawn", NULL, spawn_process, NULL, NULL, NULL, napi_enumerable, state},
      {"onExit", NULL, set_on_exit, NULL, NULL, NULL, napi_enumerable, state},
      {"pipe", NULL, make_pipe, NULL, NULL, NULL, napi_enumerable, state},
      {"closeFd", NULL, close_fd, NULL, NULL, NULL, napi_enumerable, state},
  };
  CHECK(napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties));
  return exports;
}
