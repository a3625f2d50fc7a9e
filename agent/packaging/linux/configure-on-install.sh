# Shared by the deb and rpm post-install steps: a system user, and the configuration written from
# SERVER and TOKEN (environment TIEBREAK_SERVER / TIEBREAK_TOKEN, or debconf on Debian) when given.
set -e
if ! getent passwd tiebreak >/dev/null; then
  useradd --system --home-dir /var/lib/tiebreak --no-create-home --shell /usr/sbin/nologin --user-group tiebreak 2>/dev/null \
    || adduser --system --group --home /var/lib/tiebreak --no-create-home tiebreak
fi
mkdir -p /etc/tiebreak
chmod 0750 /etc/tiebreak
chown root:tiebreak /etc/tiebreak
if [ -n "${TIEBREAK_SERVER:-}" ] && [ -n "${TIEBREAK_TOKEN:-}" ]; then
  /usr/bin/tiebreak-agent configure --server "$TIEBREAK_SERVER" --token "$TIEBREAK_TOKEN" \
    ${TIEBREAK_SCHEDULE:+--schedule "$TIEBREAK_SCHEDULE"} --config /etc/tiebreak/agent.json >/dev/null
fi
if [ -f /etc/tiebreak/agent.json ]; then
  # Readable by the service's user, no one else: it holds the credential.
  chown root:tiebreak /etc/tiebreak/agent.json
  chmod 0640 /etc/tiebreak/agent.json
fi
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || true
  systemctl enable tiebreak-agent.service >/dev/null 2>&1 || true
  if [ -f /etc/tiebreak/agent.json ]; then systemctl restart tiebreak-agent.service >/dev/null 2>&1 || true; fi
fi
