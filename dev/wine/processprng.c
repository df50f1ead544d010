/* ProcessPrng for Wine 8 (Debian 12), which lacks bcryptprimitives.dll.
 *
 * Rust's standard library on Windows (1.78 and later) fills its random
 * seeds through bcryptprimitives!ProcessPrng; without it a Rust program
 * exits at start with no output under Wine 8. Windows 10 and 11 ship the
 * real DLL, so this is for running the Windows build under Wine only: the
 * Windows lane of CI (dev/test-windows). It delegates to RtlGenRandom
 * (advapi32!SystemFunction036), which Wine implements, in chunks it takes. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    const SIZE_T chunk = 1u << 28;
    for (SIZE_T done = 0; done < length; done += chunk) {
        SIZE_T left = length - done;
        if (!SystemFunction036(data + done, (ULONG)(left < chunk ? left : chunk)))
            return FALSE;
    }
    return TRUE;
}
