/* SPDX-License-Identifier: MIT */
/* Runs a libFuzzer target over every file of the corpus directories (or files) given as
 * arguments, for builds without libFuzzer (gcc, valgrind). Exits non-zero when nothing ran. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0;
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return 1;
    }
    for (;;) {
        size_t n;
        if (len == cap) {
            unsigned char *nb;
            cap = cap ? cap * 2 : 4096;
            nb = realloc(buf, cap);
            if (!nb) {
                fclose(f);
                free(buf);
                return 1;
            }
            buf = nb;
        }
        n = fread(buf + len, 1, cap - len, f);
        if (n == 0)
            break;
        len += n;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    int i, files = 0, errors = 0;
    for (i = 1; i < argc; i++) {
        struct stat st;
        DIR *dir;
        struct dirent *e;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "cannot stat %s\n", argv[i]);
            return 1;
        }
        if (!S_ISDIR(st.st_mode)) {
            errors += run_file(argv[i]);
            files++;
            continue;
        }
        dir = opendir(argv[i]);
        if (!dir)
            return 1;
        while ((e = readdir(dir)) != NULL) {
            char path[4096];
            if (e->d_name[0] == '.')
                continue;
            snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
            if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                errors += run_file(path);
                files++;
            }
        }
        closedir(dir);
    }
    printf("replayed %d files\n", files);
    return files == 0 || errors != 0;
}
