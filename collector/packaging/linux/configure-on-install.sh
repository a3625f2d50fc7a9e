# Shared by the deb and rpm post-install steps: the system user (the agent's package makes the same
# one), the state directory, the configuration readable by the service only, and the service
# enabled and (re)started when systemd runs: an upgrade restarts it, which migrates the database.
set -e
if ! getent passwd tiebreak >/dev/null; then
  useradd --system --home-dir /var/lib/tiebreak-collector --no-create-home --shell /usr/sbin/nologin --user-group tiebreak 2>/dev/null \
    || adduser --system --group --home /var/lib/tiebreak-collector --no-create-home tiebreak
fi
mkdir -p /etc/tiebreak /var/lib/tiebreak-collector
chown root:tiebreak /etc/tiebreak /etc/tiebreak/collector.env
chmod 0750 /etc/tiebreak
chmod 0640 /etc/tiebreak/collector.env
chown tiebreak:tiebreak /var/lib/tiebreak-collector
chmod 0700 /var/lib/tiebreak-collector
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || true
  systemctl enable tiebreak-collector.service >/dev/null 2>&1 || true
  systemctl restart tiebreak-collector.service >/dev/null 2>&1 || true
fi
