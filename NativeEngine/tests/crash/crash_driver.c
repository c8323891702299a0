/*
 * crash_driver.c — runs ROUNDS rounds of: start crash_writer, SIGKILL it after a random
 * delay, run crash_verify. The pool carries over from round to round, so recovery also runs
 * on pools that recovered before. Prints
 *   crash-test: rounds=R acknowledged=A lost=L torn=T
 * and exits 0 only when nothing was lost or torn (and no writer saw a wrong result).
 *
 * usage: crash_driver ROUNDS [WORKDIR]   (WORKDIR defaults to a fresh directory in /dev/shm)
 */
#include <errno.h>
#include <limits.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char bin_dir[PATH_MAX];

static pid_t spawn(char *const argv[])
{
    pid_t pid = fork();
    if (pid == 0) {
        execv(argv[0], argv);
        perror(argv[0]);
        _exit(127);
    }
    return pid;
}

int main(int argc, char **argv)
{
    if (argc < 2 || atoi(argv[1]) <= 0) {
        fprintf(stderr, "usage: crash_driver ROUNDS [WORKDIR]\n");
        return 2;
    }
    int rounds = atoi(argv[1]);
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return 2;
    self[n] = '\0';
    snprintf(bin_dir, sizeof bin_dir, "%s", dirname(self));
    char dir[PATH_MAX];
    if (argc > 2)
        snprintf(dir, sizeof dir, "%s", argv[2]);
    else
        snprintf(dir, sizeof dir, "/dev/shm/mnemo-crash-%d", (int)getpid());
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        perror(dir);
        return 2;
    }
    char pool[PATH_MAX + 16], log[PATH_MAX + 16], state[PATH_MAX + 16], writer[PATH_MAX + 32],
        verify[PATH_MAX + 32];
    snprintf(pool, sizeof pool, "%s/pool", dir);
    snprintf(log, sizeof log, "%s/log", dir);
    snprintf(state, sizeof state, "%s/state", dir);
    snprintf(writer, sizeof writer, "%s/crash_writer", bin_dir);
    snprintf(verify, sizeof verify, "%s/crash_verify", bin_dir);
    unlink(pool);
    unlink(state);
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    long acknowledged = 0, lost = 0, torn = 0, failures = 0;
    for (int r = 1; r <= rounds; r++) {
        char seed[32];
        snprintf(seed, sizeof seed, "%d", rand());
        unlink(log); /* a writer killed before it opens the log must not replay an old one */
        char *wargv[] = {writer, pool, log, state, seed, NULL};
        pid_t w = spawn(wargv);
        /* 5..400 ms: early kills land in open/recovery, later ones mid-stream */
        usleep((useconds_t)(5000 + rand() % 395000));
        kill(w, SIGKILL);
        int status;
        waitpid(w, &status, 0);
        if (!WIFSIGNALED(status)) {
            fprintf(stderr, "round %d: writer exited with status %d before the kill\n", r,
                    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
            failures++;
        }
        char cmd[5 * PATH_MAX];
        snprintf(cmd, sizeof cmd, "'%s' '%s' '%s' '%s'", verify, pool, log, state);
        FILE *out = popen(cmd, "r");
        long a = 0, l = 0, t = 0;
        if (!out || fscanf(out, "acknowledged=%ld lost=%ld torn=%ld", &a, &l, &t) != 3) {
            fprintf(stderr, "round %d: verifier produced no verdict\n", r);
            failures++;
        }
        if (out && pclose(out) != 0)
            failures++;
        if (l || t)
            fprintf(stderr, "round %d: acknowledged=%ld lost=%ld torn=%ld\n", r, a, l, t);
        acknowledged += a;
        lost += l;
        torn += t;
    }
    printf("crash-test: rounds=%d acknowledged=%ld lost=%ld torn=%ld\n", rounds, acknowledged,
           lost, torn);
    int ok = lost == 0 && torn == 0 && failures == 0;
    if (ok) {
        unlink(pool);
        unlink(log);
        unlink(state);
        if (argc <= 2)
            rmdir(dir);
    } else {
        fprintf(stderr, "crash-test: files kept in %s (%ld runner failures)\n", dir, failures);
    }
    return ok ? 0 : 1;
}
