#!/usr/bin/env bash
# The README's run command: set-up, build, then nymphd in the foreground on
# the defaults (HTTPS on 127.0.0.1:8443 with a self-signed certificate in
# state/, the bundled models in models/, the board simulator as the card,
# its thermal log in dist/thermal.log). Extra arguments go to nymphd,
# e.g. scripts/run.sh --listen 127.0.0.1:9443. Stop it with Ctrl-C.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/build.sh" nymphd nymph-boardsim
cd "$root"

# Defaults for what the caller did not set; a --config file is taken whole,
# since flags would override its settings. Flags may be given as
# "--flag value" or "--flag=value".
listen=127.0.0.1:8443
state=state
scheme=https
mkdir -p dist
defaults=(--listen "$listen" --models models --state-dir "$state" --board sim
  --thermal-log dist/thermal.log)
given=()
config=
token_file=
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  arg=${args[$i]}
  name=${arg%%=*}
  if [ "$name" != "$arg" ]; then
    value=${arg#*=}
  else
    value=${args[$((i + 1))]:-}
  fi
  given+=("$name")
  case "$name" in
    --config)
      defaults=()
      config=$value
      ;;
    --api-token-file) token_file=$value ;;
    --listen) listen=$value ;;
    --state-dir) state=$value ;;
    --http) scheme=http ;;
  esac
done
if [ ${#defaults[@]} -gt 0 ]; then
  for flag in "${given[@]}"; do
    for ((k = 0; k < ${#defaults[@]}; k += 2)); do
      [ "${defaults[$k]}" = "$flag" ] && unset 'defaults[k]' 'defaults[k+1]'
    done
    defaults=("${defaults[@]}")
  done
fi
curl="curl"
[ "$scheme" = https ] && curl="curl --cacert $state/tls/cert.pem"
[ -n "$token_file" ] && curl="$curl -H \"Authorization: Bearer \$(cat $token_file)\""

if [ -n "$config" ]; then
  # The file may set the address, scheme and state directory: only the
  # daemon's own log can say where it listens.
  echo
  echo "nymphd is starting with $config (Ctrl-C stops it); its log says where it listens and how to call it."
  echo
  exec "$root/build/bin/nymphd" "$@"
fi

cat <<MSG

nymphd is starting on $scheme://$listen (Ctrl-C stops it). In another shell:

  $curl $scheme://$listen/models
  $curl $scheme://$listen/infer \\
    -H 'Content-Type: application/json' \\
    -d '{"model":"affine","inputs":{"x":{"shape":[1,4],"dtype":"float32","data":[1,2,3,4]}}}'
  $curl -N $scheme://$listen/v1/completions \\
    -H 'Content-Type: application/json' \\
    -d '{"model":"kjv-gqa","prompt":"And God said","max_tokens":200,"stream":true}'
  $curl $scheme://$listen/thermal/status

MSG
exec "$root/build/bin/nymphd" "${defaults[@]}" "$@"
