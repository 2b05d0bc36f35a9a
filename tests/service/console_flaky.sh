#!/bin/sh
# A Lambda function for the console test: echoes its event, except that item 2 fails until the
# file $1 exists (so a redrive after creating it succeeds).
event=$(cat)
if [ "$event" = 2 ] && [ ! -f "$1" ]; then
  echo "item 2 fails until $1 exists" >&2
  exit 3
fi
printf '%s\n' "$event"
