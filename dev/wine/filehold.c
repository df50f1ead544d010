/* A Windows program holding a file, for the Windows lane's tests of what
 * Windows does differently (tests/tests/runtime/windows.rs): a Linux
 * process's open handle is invisible to Wine's sharing checks, so the
 * writer or reader that holds a drop-folder file must be a Windows program.
 *
 *   filehold write <path> <pause-ms> <line>...
 *       creates <path> sharing reads only (as an export tool does), writes
 *       each line (CRLF-terminated) half, pause, the other half, pause,
 *       then closes it. Prints "open" once the file exists, "closing" just
 *       before it closes it (the file is still held when that is read).
 *   filehold hold <path> <ms>|stdin
 *       opens an existing <path> for reading, sharing reads only (no delete:
 *       nobody may move it), prints "held", keeps it <ms> (or until a line
 *       or the end of its input), closes it, prints "released".
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void say(const char *word)
{
    printf("%s\n", word);
    fflush(stdout);
}

static int write_all(HANDLE file, const char *bytes, DWORD length)
{
    DWORD written = 0;
    return WriteFile(file, bytes, length, &written, NULL) && written == length;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "write") == 0) {
        DWORD pause = (DWORD)atoi(argv[3]);
        HANDLE file = CreateFileA(argv[2], GENERIC_WRITE, FILE_SHARE_READ, NULL,
                                  CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
        if (file == INVALID_HANDLE_VALUE) {
            fprintf(stderr, "filehold: cannot create %s: error %lu\n", argv[2], GetLastError());
            return 1;
        }
        say("open");
        for (int i = 4; i < argc; i++) {
            DWORD length = (DWORD)strlen(argv[i]);
            DWORD half = length / 2;
            if (!write_all(file, argv[i], half))
                return 1;
            FlushFileBuffers(file);
            Sleep(pause);
            if (!write_all(file, argv[i] + half, length - half) || !write_all(file, "\r\n", 2))
                return 1;
            FlushFileBuffers(file);
            Sleep(pause);
        }
        say("closing");
        CloseHandle(file);
        return 0;
    }
    if (argc == 4 && (strcmp(argv[1], "hold") == 0 || strcmp(argv[1], "view") == 0)) {
        DWORD share = strcmp(argv[1], "view") == 0 ? FILE_SHARE_READ | FILE_SHARE_WRITE
                                                   : FILE_SHARE_READ;
        HANDLE file = CreateFileA(argv[2], GENERIC_READ, share, NULL,
                                  OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
        if (file == INVALID_HANDLE_VALUE) {
            fprintf(stderr, "filehold: cannot open %s: error %lu\n", argv[2], GetLastError());
            return 1;
        }
        say("held");
        if (strcmp(argv[3], "stdin") == 0) {
            char line[64];
            (void)fgets(line, sizeof line, stdin);
        } else {
            Sleep((DWORD)atoi(argv[3]));
        }
        CloseHandle(file);
        say("released");
        return 0;
    }
    fprintf(stderr, "usage: filehold write <path> <pause-ms> <line>... | filehold hold|view <path> <ms>|stdin\n");
    return 2;
}
