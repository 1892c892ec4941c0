#!/bin/sh
# Instructions per operation under callgrind, for every scenario and codec of
# examples/icount.rs: a cross-check of the criterion ratios that machine load
# cannot disturb (it counts instructions, not time, so it says nothing about
# cache misses or memcpy bandwidth).
#
# Usage (from the repository root): sh benches/icount.sh > /tmp/icount.md
set -eu
: "${CARGO_TARGET_DIR:=target}"
cargo build --release -q -p mqtt-benches --example icount
BIN="$CARGO_TARGET_DIR/release/examples/icount"
OUT=$(mktemp -d)
N=2000

count() { # scenario codec n -> instructions per operation
    valgrind --tool=callgrind --toggle-collect='*measured*' \
        --callgrind-out-file="$OUT/cg" "$BIN" "$1" "$2" "$3" >/dev/null 2>&1
    total=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$OUT/cg")
    echo $(( total / $3 ))
}

ALL="mqtt-sansio/v4 mqttbytes/v4 rumqttc/v4 mqttrs/v4 mqtt-protocol/v4 mqtt-sansio/v5 mqttbytes/v5"
# The borrowed decoder (decode_ref) has decode scenarios only.
REF="mqtt-sansio-ref/v4 mqtt-sansio-ref/v5"
echo "| scenario | codec | instructions / op |"
echo "|---|---|---:|"
for s in decode_publish_16B decode_publish_64KiB decode_publish_qos1 decode_connect decode_subscribe5 \
         encode_publish_16B encode_publish_64KiB encode_connect encode_subscribe5; do
    case $s in decode_*) codecs="$ALL $REF" ;; *) codecs="$ALL" ;; esac
    for c in $codecs; do
        echo "| $s | $c | $(count $s $c $N) |"
    done
done
for c in mqtt-sansio/v4 mqttbytes/v4 mqttrs/v4 mqtt-sansio/v5 $REF; do
    echo "| decode_stream (per packet) | $c | $(( $(count decode_stream $c 4) / 10000 )) |"
done
echo "| encode_publish_64KiB | memcpy | $(count encode_publish_64KiB memcpy $N) |"
for s in client_publish_qos0 client_qos1_round_trip client_inbound_qos0; do
    for c in mqtt-sansio/v4 mqtt-sansio/v5; do
        echo "| $s | $c | $(count $s $c $N) |"
    done
done
rm -rf "$OUT"
