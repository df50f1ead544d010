//! Windows: registers the AppUserModelID (the app identifier) for this
//! process and under `HKCU\Software\Classes\AppUserModelId\<id>` with a
//! display name, so toasts of an unpackaged app are shown, not dropped.

use windows_sys::Win32::System::Registry::{
    RegCloseKey, RegCreateKeyExW, RegSetValueExW, HKEY, HKEY_CURRENT_USER, KEY_WRITE,
    REG_OPTION_NON_VOLATILE, REG_SZ,
};
use windows_sys::Win32::UI::Shell::SetCurrentProcessExplicitAppUserModelID;

fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain(std::iter::once(0)).collect()
}

/// Registers `id` with `display_name`; failures are logged, not fatal.
pub fn register(id: &str, display_name: &str) {
    let wide_id = wide(id);
    // SAFETY: a valid NUL-terminated UTF-16 string that outlives the call.
    let hr = unsafe { SetCurrentProcessExplicitAppUserModelID(wide_id.as_ptr()) };
    if hr < 0 {
        eprintln!("BoboSync: cannot set the AppUserModelID (HRESULT {hr:#x})");
    }
    let subkey = wide(&format!("Software\\Classes\\AppUserModelId\\{id}"));
    let mut key: HKEY = std::ptr::null_mut();
    // SAFETY: valid strings and out-pointer; the key is closed below.
    let status = unsafe {
        RegCreateKeyExW(
            HKEY_CURRENT_USER,
            subkey.as_ptr(),
            0,
            std::ptr::null(),
            REG_OPTION_NON_VOLATILE,
            KEY_WRITE,
            std::ptr::null(),
            &mut key,
            std::ptr::null_mut(),
        )
    };
    if status != 0 {
        eprintln!("BoboSync: cannot register the AppUserModelID (error {status})");
        return;
    }
    let name = wide("DisplayName");
    let value = wide(display_name);
    let bytes = u32::try_from(value.len() * 2).unwrap_or(0);
    // SAFETY: `key` is open; `value` is `bytes` long.
    unsafe {
        RegSetValueExW(key, name.as_ptr(), 0, REG_SZ, value.as_ptr().cast(), bytes);
        RegCloseKey(key);
    }
}
