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
#include <stdint.h>
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
  // The stack children started on the main thread run on until they exec (one at a time: the
  // caller waits meanwhile).
  void *stack;
  // Stacks for children started on the thread pool (spawnAsync), one per start in flight,
  // kept for the next ones.
  uv_mutex_t stacks_lock;
  void *free_stacks[8];
  int free_stack_count;
} module_state;

typedef struct {
  uv_poll_t poll;
  napi_env env;
  module_state *state;
  pid_t pid;
  int pidfd;
} watched_child;

static int open_pidfd(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

// An Error whose `errno` is the (positive) error number and `syscall` the step that failed.
static napi_value errno_error(napi_env env, int error, const char *step) {
  napi_value message, value, number, name;
  char text[256];
  snprintf(text, sizeof text, "%s: %s", step, strerror(error));
  if (napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message) != napi_ok) return NULL;
  if (napi_create_error(env, NULL, message, &value) != napi_ok) return NULL;
  if (napi_create_int32(env, error, &number) == napi_ok) napi_set_named_property(env, value, "errno", number);
  if (napi_create_string_utf8(env, step, NAPI_AUTO_LENGTH, &name) == napi_ok) {
    napi_set_named_property(env, value, "syscall", name);
  }
  return value;
}

static void throw_errno(napi_env env, int error, const char *step) {
  napi_value value = errno_error(env, error, step);
  if (value != NULL) napi_throw(env, value);
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

// /proc/<pid>/<name> read whole into `text` (NUL-terminated): its length, or 0 if unreadable.
static ssize_t read_proc_file(pid_t pid, const char *name, char *text, size_t size) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t length = read(fd, text, size - 1);
  close(fd);
  if (length <= 0) return 0;
  text[length] = '\0';
  return length;
}

// Fields `first` to `last` of /proc/<pid>/stat (numbered from 1, as in proc(5)) into `values`:
// 1, or 0 if unreadable. The command name, in parentheses, may hold anything, so fields are
// counted from the last ')'.
static int read_stat_fields(pid_t pid, int first, int last, double *values) {
  char text[1024];
  if (read_proc_file(pid, "stat", text, sizeof text) == 0) return 0;
  char *field = strrchr(text, ')');
  if (field == NULL) return 0;
  for (int index = 3; index <= last; index++) {
    field = strchr(field, ' ');
    if (field == NULL) return 0;
    field++;
    if (index >= first) values[index - first] = strtod(field, NULL);
  }
  return 1;
}

// What an exited child used over its life, with the children it waited for: user and system
// clock ticks (utime + cutime, stime + cstime: fields 14 to 17 of /proc/<pid>/stat) and the 7
// counters of /proc/<pid>/io (rchar, wchar, syscr, syscw, read_bytes, write_bytes,
// cancelled_write_bytes). Read while it is a zombie, just before it is reaped: afterwards the
// kernel adds them to this process's own counters, mixed with every other child's. 1, or 0 when
// unreadable; the I/O counters stay 0 when only they are.
#define USAGE_COUNTERS 9
static int read_usage(pid_t pid, double *usage) {
  double ticks[4];
  if (!read_stat_fields(pid, 14, 17, ticks)) return 0;
  usage[0] = ticks[0] + ticks[2];
  usage[1] = ticks[1] + ticks[3];
  char text[1024];
  if (read_proc_file(pid, "io", text, sizeof text) == 0) return 1;
  // "name: value" lines, in the kernel's fixed order.
  int index = 2;
  for (char *line = text; line != NULL && *line != '\0' && index < USAGE_COUNTERS; index++) {
    char *colon = strchr(line, ':');
    if (colon == NULL) break;
    usage[index] = strtod(colon + 1, NULL);
    line = strchr(colon, '\n');
    if (line != NULL) line++;
  }
  return 1;
}

static void closed(uv_handle_t *handle) {
  watched_child *child = (watched_child *)handle;
  close(child->pidfd);
  free(child);
}

// The pidfd is readable: the child has exited. Reap it and tell JS (pid, code, signal, usage).
static void child_exited(uv_poll_t *poll, int status, int events) {
  (void)status;
  (void)events;
  watched_child *child = (watched_child *)poll;
  siginfo_t info;
  memset(&info, 0, sizeof info);
  // Exited yet? (A wake-up may be spurious.) Looked at without reaping it, so its counters can
  // still be read.
  int waited;
  do waited = waitid(P_PID, (id_t)child->pid, &info, WEXITED | WNOHANG | WNOWAIT);
  while (waited == -1 && errno == EINTR);
  if (waited == 0 && info.si_pid == 0) return;  // Not yet: keep polling.
  double usage[USAGE_COUNTERS] = {0};
  int measured = waited == 0 && read_usage(child->pid, usage);
  int wait_status;
  pid_t reaped;
  do reaped = waitpid(child->pid, &wait_status, WNOHANG);
  while (reaped == -1 && errno == EINTR);
  if (reaped == 0) return;
  uv_poll_stop(poll);
  uv_close((uv_handle_t *)poll, closed);
  napi_env env = child->env;
  module_state *state = child->state;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback, receiver, argv[4], result;
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
    if (measured && reaped != -1) {
      napi_create_array_with_length(env, USAGE_COUNTERS, &argv[3]);
      for (int index = 0; index < USAGE_COUNTERS; index++) {
        napi_value number;
        napi_create_double(env, usage[index], &number);
        napi_set_element(env, argv[3], index, number);
      }
    } else {
      napi_get_null(env, &argv[3]);
    }
    if (napi_make_callback(env, state->context, receiver, callback, 4, argv, &result) == napi_pending_exception) {
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
  // The task's cgroup directory (-1 for none), and whether the child was created in it already.
  int cgroup;
  int in_cgroup;
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
  // Born in the task's cgroup: created there by clone3, or else it moves itself there before
  // anything else (a cgroup that cannot be entered costs only exact accounting, never the task).
  if (plan->cgroup >= 0 && !plan->in_cgroup) {
    int procs = openat(plan->cgroup, "cgroup.procs", O_WRONLY | O_CLOEXEC);
    if (procs >= 0) {
      if (write(procs, "0", 1) < 0) {
        // Started outside the cgroup.
      }
      close(procs);
    }
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

// clone3's arguments (linux/sched.h has them, but clashes with glibc's sched.h).
struct clone3_arguments {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size,
      cgroup;
};
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

// Creates the child with clone3 (Linux 5.7+) directly in the cgroup whose directory is
// `plan->cgroup`: a process moved into a cgroup after it exists costs the mover about 0.3 ms
// (the kernel's lock for migrations), one created there costs nothing more than a clone. Returns
// the pid, with its pidfd in `*pidfd`, or -errno. glibc has no clone3 wrapper that runs a
// function on another stack, and the child cannot return through the caller's frames (they
// are the parent's, shared), so the child's side is a few instructions of assembly: x86-64
// only; elsewhere -ENOSYS, and the caller moves the child itself.
static long clone_into_cgroup(child_plan *plan, void *stack, int *pidfd) {
#if defined(__x86_64__)
  struct clone3_arguments arguments;
  memset(&arguments, 0, sizeof arguments);
  arguments.flags = CLONE_VM | CLONE_VFORK | CLONE_PIDFD | CLONE_INTO_CGROUP;
  arguments.pidfd = (uint64_t)(uintptr_t)pidfd;
  arguments.exit_signal = SIGCHLD;
  arguments.stack = (uint64_t)(uintptr_t)stack;
  arguments.stack_size = CHILD_STACK_BYTES;
  arguments.cgroup = (uint64_t)plan->cgroup;
  register void *function __asm__("r8") = (void *)child_main;
  register void *argument __asm__("r9") = plan;
  long result;
  // In the child, clone3 returns 0 on the new stack (16-byte aligned at its top): call
  // child_main(plan), which execs or exits; never return here.
  __asm__ volatile(
      "syscall\n\t"
      "test %%rax, %%rax\n\t"
      "jnz 1f\n\t"
      "xor %%ebp, %%ebp\n\t"
      "mov %%r9, %%rdi\n\t"
      "call *%%r8\n\t"
      "mov $60, %%eax\n\t"
      "mov $127, %%edi\n\t"
      "syscall\n\t"
      "1:\n\t"
      : "=a"(result)
      : "a"((long)SYS_clone3), "D"(&arguments), "S"(sizeof arguments), "r"(function), "r"(argument)
      : "rcx", "r11", "memory");
  return result;
#else
  (void)plan;
  (void)stack;
  (void)pidfd;
  return -ENOSYS;
#endif
}

// One start: what JS asked for, then what came of it.
typedef struct {
  uv_work_t work;
  napi_env env;
  module_state *state;
  napi_ref callback;
  char *file, *cwd, **args, **environment;
  int fds[4];
  // The outcome: a pid and its pidfd, with its start time in clock ticks (0 if unread); or an
  // error number and the step that failed.
  pid_t pid;
  int pidfd;
  double start_ticks;
  int error;
  const char *step;
} spawn_job;

static void free_job(napi_env env, spawn_job *job) {
  if (job->callback != NULL) napi_delete_reference(env, job->callback);
  free(job->file);
  free(job->cwd);
  free_strings(job->args);
  free_strings(job->environment);
  free(job);
}

// Reads the arguments every start takes: (file, args, env, cwd, stdin, stdout, stderr, cgroup).
// NULL with an exception pending when one is wrong.
static spawn_job *job_arguments(napi_env env, napi_value *argv, module_state *state) {
  spawn_job *job = calloc(1, sizeof *job);
  if (job == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  job->env = env;
  job->state = state;
  job->pid = -1;
  job->pidfd = -1;
  for (int index = 0; index < 4; index++) {
    if (napi_get_value_int32(env, argv[4 + index], &job->fds[index]) != napi_ok ||
        (job->fds[index] >= 0 && job->fds[index] <= 2)) {
      napi_throw_type_error(env, NULL, "stdin, stdout, stderr and cgroup must be file descriptors above 2, or -1");
      free_job(env, job);
      return NULL;
    }
  }
  if ((job->file = string_argument(env, argv[0])) == NULL || (job->args = strings_argument(env, argv[1])) == NULL ||
      (job->environment = strings_argument(env, argv[2])) == NULL || (job->cwd = string_argument(env, argv[3])) == NULL) {
    free_job(env, job);
    return NULL;
  }
  return job;
}

// Starts the job's process on `stack`: fills in pid and pidfd, or error and step. Any thread.
static void start_job(spawn_job *job, void *stack) {
  char program[4096];
  int error = resolve(job->file, job->environment, job->cwd, program, sizeof program);
  if (error != 0) {
    job->error = error;
    job->step = "spawn";
    return;
  }
  // The agent must get blocking descriptors: a program that meets EAGAIN on its stdout usually
  // fails. O_NONBLOCK belongs to the open file, which dup2 shares, and sockets made by libuv are
  // non-blocking. It is cleared here, for good: the caller does no I/O on its ends given.
  for (int index = 0; index < 3; index++) {
    int flags = job->fds[index] < 0 ? 0 : fcntl(job->fds[index], F_GETFL);
    if (flags > 0 && (flags & O_NONBLOCK) != 0 && fcntl(job->fds[index], F_SETFL, flags & ~O_NONBLOCK) != 0) {
      job->error = errno;
      job->step = "spawn";
      return;
    }
  }
  child_plan plan = {
      .program = program,
      .argv = job->args,
      .envp = job->environment,
      .cwd = job->cwd,
      .fds = {job->fds[0], job->fds[1], job->fds[2]},
      .cgroup = job->fds[3],
      .in_cgroup = 0,
      .error = 0,
  };
  // No signal handler may run in the child before it has reset them all: block everything
  // across the clone (the child inherits the mask and clears it just before exec).
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  pid_t pid = -1;
  int pidfd = -1;
  int clone_error = 0;
  if (plan.cgroup >= 0) {
    plan.in_cgroup = 1;
    long created = clone_into_cgroup(&plan, stack, &pidfd);
    if (created > 0) pid = (pid_t)created;
    else {
      // No clone3 here, or the cgroup refuses new processes (removed, say): the child moves
      // itself, or starts outside.
      plan.in_cgroup = 0;
      pidfd = -1;
    }
  }
  if (pid < 0) {
    pid = clone(child_main, (char *)stack + CHILD_STACK_BYTES, CLONE_VM | CLONE_VFORK | SIGCHLD, &plan);
    clone_error = errno;
  }
  pthread_sigmask(SIG_SETMASK, &previous, NULL);
  if (pid < 0) {
    job->error = clone_error;
    job->step = "spawn";
    return;
  }
  if (plan.error != 0) {
    // It exited without exec'ing: reap it, and say why.
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
    if (pidfd >= 0) close(pidfd);
    job->error = plan.error;
    job->step = "spawn";
    return;
  }
  if (pidfd < 0) pidfd = open_pidfd(pid);
  if (pidfd < 0) {
    // Cannot watch it: it must not run unwatched.
    job->error = errno;
    job->step = "pidfd_open";
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return;
  }
  job->pid = pid;
  job->pidfd = pidfd;
  // Read now: it cannot be reaped before its exit is seen on the event loop. (Field 22 is the
  // start time in clock ticks after boot.)
  if (!read_stat_fields(pid, 22, 22, &job->start_ticks)) job->start_ticks = 0;
}

// Watches a started job's child for its exit, on the event loop's thread. 0, or an error number
// (the child is then killed and reaped: it must not run unwatched).
static int watch_job(napi_env env, spawn_job *job) {
  watched_child *child = calloc(1, sizeof *child);
  uv_loop_t *loop;
  if (child == NULL || napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init(loop, &child->poll, job->pidfd) != 0) {
    kill(job->pid, SIGKILL);
    waitpid(job->pid, NULL, 0);
    close(job->pidfd);
    free(child);
    return ENOMEM;
  }
  child->env = env;
  child->state = job->state;
  child->pid = job->pid;
  child->pidfd = job->pidfd;
  uv_poll_start(&child->poll, UV_READABLE, child_exited);
  return 0;
}

// spawn(file, args, env, cwd, stdin, stdout, stderr, cgroup): pid
//   file    the program, looked up on env's PATH when it has no slash
//   args    argv, including argv[0]
//   env     "NAME=value" strings
//   cwd     the working directory
//   stdin, stdout, stderr   file descriptors (above 2) for 0, 1 and 2; -1 for /dev/null
//   cgroup  an open cgroup v2 directory the child is created in (or moves itself into before it
//           execs, where clone3 cannot do it); -1 for none
// The child is started by clone(CLONE_VM | CLONE_VFORK), as glibc's posix_spawn does: nothing of
// the caller is copied, and this returns once the child has exec'd (the calling thread waits
// meanwhile). It runs in a new session (and so a new process group), with every signal's
// disposition back to the default and none blocked, as Node's `detached: true` gives. Throws an
// Error with `errno` when it cannot be started, including when the program or cwd does not exist.
static napi_value spawn_process(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  module_state *state;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&state));
  if (argc != 8) {
    napi_throw_type_error(env, NULL, "spawn takes 8 arguments");
    return NULL;
  }
  if (state->stack == NULL) {
    void *stack = mmap(NULL, CHILD_STACK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) {
      throw_errno(env, errno, "mmap");
      return NULL;
    }
    state->stack = stack;
  }
  spawn_job *job = job_arguments(env, argv, state);
  if (job == NULL) return NULL;
  start_job(job, state->stack);
  napi_value result = NULL;
  int error = job->error == 0 ? watch_job(env, job) : job->error;
  if (error != 0) throw_errno(env, error, job->error == 0 ? "pidfd_open" : job->step);
  else napi_create_int32(env, job->pid, &result);
  free_job(env, job);
  return result;
}

static void *take_stack(module_state *state) {
  void *stack = NULL;
  uv_mutex_lock(&state->stacks_lock);
  if (state->free_stack_count > 0) stack = state->free_stacks[--state->free_stack_count];
  uv_mutex_unlock(&state->stacks_lock);
  if (stack != NULL) return stack;
  stack = mmap(NULL, CHILD_STACK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  return stack == MAP_FAILED ? NULL : stack;
}

static void give_back_stack(module_state *state, void *stack) {
  uv_mutex_lock(&state->stacks_lock);
  int kept = state->free_stack_count < 8;
  if (kept) state->free_stacks[state->free_stack_count++] = stack;
  uv_mutex_unlock(&state->stacks_lock);
  if (!kept) munmap(stack, CHILD_STACK_BYTES);
}

// On a thread of the pool: the start itself, so the event loop never waits for it.
static void start_in_pool(uv_work_t *work) {
  spawn_job *job = (spawn_job *)work;
  void *stack = take_stack(job->state);
  if (stack == NULL) {
    job->error = ENOMEM;
    job->step = "mmap";
    return;
  }
  start_job(job, stack);
  give_back_stack(job->state, stack);
}

// Back on the event loop: watch the child, and tell JS (error, pid, startTicks).
static void started_in_pool(uv_work_t *work, int status) {
  spawn_job *job = (spawn_job *)work;
  napi_env env = job->env;
  if (status == UV_ECANCELED && job->error == 0) {
    job->error = ECANCELED;
    job->step = "spawn";
  }
  int error = job->error == 0 ? watch_job(env, job) : job->error;
  const char *step = job->error == 0 ? "pidfd_open" : job->step;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) == napi_ok) {
    napi_value callback, receiver, argv[3], result;
    if (napi_get_reference_value(env, job->callback, &callback) == napi_ok && napi_get_global(env, &receiver) == napi_ok) {
      if (error != 0) {
        argv[0] = errno_error(env, error, step);
        napi_get_null(env, &argv[1]);
        napi_get_null(env, &argv[2]);
      } else {
        napi_get_null(env, &argv[0]);
        napi_create_int32(env, job->pid, &argv[1]);
        napi_create_double(env, job->start_ticks, &argv[2]);
      }
      if (napi_make_callback(env, job->state->context, receiver, callback, 3, argv, &result) == napi_pending_exception) {
        napi_value exception;
        if (napi_get_and_clear_last_exception(env, &exception) == napi_ok) napi_fatal_exception(env, exception);
      }
    }
    napi_close_handle_scope(env, scope);
  }
  free_job(env, job);
}

// spawnAsync(file, args, env, cwd, stdin, stdout, stderr, cgroup, callback): as spawn, but the
// start runs on libuv's thread pool, so the event loop does not wait for the child to exec (nor
// for the program's lookup on PATH). callback(error, pid, startTicks) on the event loop, where
// startTicks is the child's start time in clock ticks after boot (0 if it could not be read).
// The descriptors given must stay open until then.
static napi_value spawn_process_async(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  module_state *state;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&state));
  if (argc != 9) {
    napi_throw_type_error(env, NULL, "spawnAsync takes 9 arguments");
    return NULL;
  }
  spawn_job *job = job_arguments(env, argv, state);
  if (job == NULL) return NULL;
  uv_loop_t *loop;
  if (napi_create_reference(env, argv[8], 1, &job->callback) != napi_ok || napi_get_uv_event_loop(env, &loop) != napi_ok) {
    free_job(env, job);
    napi_throw_error(env, NULL, "claudine native spawn: could not queue the start");
    return NULL;
  }
  int queued = uv_queue_work(loop, &job->work, start_in_pool, started_in_pool);
  if (queued != 0) {
    free_job(env, job);
    throw_errno(env, -queued, "uv_queue_work");
    return NULL;
  }
  return NULL;
}

// onExit(callback): the function called with (pid, code, signal, usage) for every child that
// exits; usage is null when it could not be read (see read_usage).
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
  for (int index = 0; index < state->free_stack_count; index++) munmap(state->free_stacks[index], CHILD_STACK_BYTES);
  uv_mutex_destroy(&state->stacks_lock);
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
  if (uv_mutex_init(&state->stacks_lock) != 0) {
    free(state);
    napi_throw_error(env, NULL, "claudine native spawn: no mutex");
    return NULL;
  }
  napi_value resource_name;
  CHECK(napi_create_string_utf8(env, "claudine:spawn", NAPI_AUTO_LENGTH, &resource_name));
  CHECK(napi_async_init(env, NULL, resource_name, &state->context));
  CHECK(napi_set_instance_data(env, state, free_state, NULL));
  napi_property_descriptor properties[] = {
      {"spawn", NULL, spawn_process, NULL, NULL, NULL, napi_enumerable, state},
      {"spawnAsync", NULL, spawn_process_async, NULL, NULL, NULL, napi_enumerable, state},
      {"onExit", NULL, set_on_exit, NULL, NULL, NULL, napi_enumerable, state},
      {"pipe", NULL, make_pipe, NULL, NULL, NULL, napi_enumerable, state},
      {"closeFd", NULL, close_fd, NULL, NULL, NULL, napi_enumerable, state},
  };
  CHECK(napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties));
  return exports;
}
