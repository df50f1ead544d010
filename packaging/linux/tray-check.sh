#!/bin/sh
# Inside the test root (dev/test-package), within dbus-run-session: starts the
# installed tray app on a virtual X display and waits until its tray icon is
# on D-Bus (the StatusNotifierItem and its menu, which a tray host would
# show). Prints the menu's labels; exits non-zero if the icon never appears.
set -u
Xvfb :77 -screen 0 1024x768x24 -nolisten tcp >/tmp/xvfb.log 2>&1 &
xvfb=$!
export DISPLAY=:77
sleep 1
bobosync-tray --hidden >/tmp/tray.log 2>&1 &
tray=$!
item=/org/ayatana/NotificationItem/tray_icon_tray_app_bobosync
found=""
i=0
while [ $i -lt 120 ] && [ -z "$found" ]; do
    i=$((i + 1))
    sleep 0.5
    kill -0 $tray 2>/dev/null || break
    for name in $(gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
            --method org.freedesktop.DBus.ListNames | tr -d "[](),'" ); do
        case "$name" in :*) ;; *) continue ;; esac
        if timeout 3 gdbus call --session --dest "$name" --object-path "$item" \
                --method org.freedesktop.DBus.Properties.Get org.kde.StatusNotifierItem Id >/dev/null 2>&1; then
            found=$name
            break
        fi
    done
done
status=1
if [ -n "$found" ]; then
    echo "tray icon on D-Bus after $i look(s): $found $item"
    gdbus call --session --dest "$found" --object-path "$item/Menu" \
        --method com.canonical.dbusmenu.GetLayout -- 0 -1 "['label']" |
        grep -o "'label': <'[^']*'>" | sed "s/'label': <'\(.*\)'>/  menu: \1/"
    status=0
else
    echo "the tray icon never appeared on D-Bus; the app said:" >&2
    cat /tmp/tray.log >&2
fi
kill $tray 2>/dev/null
wait $tray 2>/dev/null
kill $xvfb 2>/dev/null
exit $status
