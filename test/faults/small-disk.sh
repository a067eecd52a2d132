#!/bin/sh
# Runs the bot (the command given) with its data directory on a tmpfs of $SMALL_DISK_MB MB, in a
# mount namespace of its own (unshare -rm: no privilege needed), and takes orders on stdin, since
# only processes in the namespace see that disk:
#   fill    fills the disk (a file of zeros) and says "filled"
#   free    removes that file and says "freed"
#   backup  runs npm run backup's script and says "backup-exit <code>" after its output
#   quit    stops the bot (SIGTERM) and exits with its code
set -u
mount -t tmpfs -o "size=${SMALL_DISK_MB}m" tmpfs "$DATA_DIR" || exit 97
"$@" &
bot=$!
while read -r order; do
  case "$order" in
    fill) dd if=/dev/zero of="$DATA_DIR/filler" bs=1M 2>/dev/null; echo filled ;;
    free) rm -f "$DATA_DIR/filler"; echo freed ;;
    backup) "$1" --import tsx scripts/backup.ts 2>&1; echo "backup-exit $?" ;;
    quit) break ;;
  esac
done
kill -TERM "$bot"
wait "$bot"
