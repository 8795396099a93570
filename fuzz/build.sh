#!/usr/bin/env bash
# Builds the libFuzzer targets into .build-fuzz/ (git-ignored), apart from the shared .build.
#
# SwiftPM cannot instrument a package's dependencies for libFuzzer, so this compiles the modules
# directly, mirroring Package.swift: CYaml (C, clang) -> Yams -> FedCore -> FedDecode (the
# streaming decoder and its number parsing; no libcurl, no logging) -> one executable per target
# in fuzz/targets/. Everything is built with -sanitize=fuzzer,address (coverage + ASan + LSan).
# A step is skipped when its output is newer than all of its inputs.
#
# Needs the Yams checkout that any `swift build` / `swift package resolve` leaves in
# .build/checkouts/Yams.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=.build-fuzz
YAMS=${YAMS_DIR:-.build/checkouts/Yams/Sources}
SWIFTC=${SWIFTC:-swiftc}
CLANG=${CLANG:-clang}
SAN=(-sanitize=fuzzer,address)
SWIFTFLAGS=(-O -parse-as-library -swift-version 6 "${SAN[@]}" -I "$OUT" -Xcc -DYAML_DECLARE_STATIC -I "$YAMS/CYaml/include")
# fedreport's modules declare their API `package`: the modules and the targets that use them are
# compiled as one package, as SwiftPM does (Yams is a package of its own and is left out).
PACKAGE=(-package-name fedreport)

if [ ! -d "$YAMS/Yams" ]; then
    echo "fuzz/build.sh: $YAMS not found; run 'swift package resolve' first" >&2
    exit 1
fi
mkdir -p "$OUT/obj"

# stale OUTPUT INPUT...: true when OUTPUT is missing or older than an input (or this script).
stale() {
    local out=$1
    shift
    [ -e "$out" ] || return 0
    [ -n "$(find "$@" "$0" -newer "$out" -print -quit 2>/dev/null)" ]
}

log() { echo "fuzz/build.sh: $*" >&2; }

# CYaml: libyaml, instrumented (the configuration loader's parser is mostly here).
if stale "$OUT/libCYaml.a" "$YAMS/CYaml"; then
    log "CYaml"
    objs=()
    for c in "$YAMS"/CYaml/src/*.c; do
        o="$OUT/obj/cyaml-$(basename "$c" .c).o"
        "$CLANG" -c -O1 -g -fsanitize=fuzzer-no-link,address -DYAML_DECLARE_STATIC \
            -I "$YAMS/CYaml/include" -I "$YAMS/CYaml/src" "$c" -o "$o" &
        objs+=("$o")
    done
    wait
    rm -f "$OUT/libCYaml.a"
    ar rcs "$OUT/libCYaml.a" "${objs[@]}"
fi

# swift_module NAME OUTPUT_LIB SOURCES...: one static library and its .swiftmodule.
swift_module() {
    local name=$1 lib=$2
    shift 2
    log "$name"
    rm -f "$lib"
    "$SWIFTC" "${SWIFTFLAGS[@]}" -module-name "$name" -whole-module-optimization \
        -emit-module -emit-module-path "$OUT/$name.swiftmodule" \
        -emit-library -static -o "$lib" "$@" 2>&1 | grep -v "warning: file '.*' is part of module" >&2 || true
    [ -e "$lib" ] || { log "building $name failed"; exit 1; }
}

if stale "$OUT/libYams.a" "$YAMS/Yams" "$OUT/libCYaml.a"; then
    # SWIFT_PACKAGE: Yams imports CYaml only when built as a package.
    swift_module Yams "$OUT/libYams.a" -D SWIFT_PACKAGE "$YAMS"/Yams/*.swift
fi

if stale "$OUT/libFedCore.a" Sources/FedCore "$OUT/libYams.a"; then
    swift_module FedCore "$OUT/libFedCore.a" "${PACKAGE[@]}" Sources/FedCore/*.swift
fi

if stale "$OUT/libFedDecode.a" Sources/FedDecode "$OUT/libFedCore.a"; then
    swift_module FedDecode "$OUT/libFedDecode.a" "${PACKAGE[@]}" Sources/FedDecode/*.swift
fi

# The targets: fuzz/targets/<name>.swift -> .build-fuzz/fuzz-<name>.
for src in fuzz/targets/*.swift; do
    name=$(basename "$src" .swift)
    exe="$OUT/fuzz-$name"
    if stale "$exe" "$src" "$OUT/libFedCore.a" "$OUT/libFedDecode.a"; then
        log "target $name"
        rm -f "$exe"
        "$SWIFTC" "${SWIFTFLAGS[@]}" "${PACKAGE[@]}" -module-name "Fuzz_$name" "$src" \
            -L "$OUT" -lFedDecode -lFedCore -lYams -lCYaml -o "$exe" 2>&1 \
            | grep -v "ld.gold: warning: Cannot export local symbol" >&2 || true
        [ -x "$exe" ] || { log "building target $name failed"; exit 1; }
    fi
done
