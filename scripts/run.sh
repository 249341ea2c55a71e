#!/usr/bin/env bash
# The README's run command: set-up, build, then nymphd in the foreground on
# the defaults (HTTPS on 127.0.0.1:8443 with a self-signed certificate in
# state/, the bundled models in models/). Extra arguments go to nymphd,
# e.g. scripts/run.sh --listen 127.0.0.1:9443. Stop it with Ctrl-C.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/build.sh" nymphd
cd "$root"

listen=127.0.0.1:8443
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  [ "${args[$i]}" = "--listen" ] && listen=${args[$((i + 1))]:-$listen}
done

cat <<MSG

nymphd is starting on https://$listen (Ctrl-C stops it). In another shell:

  curl --cacert state/tls/cert.pem https://$listen/models
  curl --cacert state/tls/cert.pem https://$listen/infer \\
    -d '{"model":"affine","inputs":{"x":{"shape":[1,4],"dtype":"float32","data":[1,2,3,4]}}}'

MSG
exec "$root/build/bin/nymphd" --listen "$listen" --models models \
  --state-dir state "$@"
