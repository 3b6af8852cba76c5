#!/usr/bin/env bash
# Start RabbitMQ, virtlogd and libvirtd when they are not running (no systemd
# here, so start the daemons directly) and wait until each answers.
# Idempotent: `make run`, `make test` and the e2e tests all call it.
set -u
rabbit_up() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }
if ! rabbit_up; then
    echo "starting rabbitmq-server"
    rabbitmq-server -detached >/dev/null 2>&1 || true
    for _ in $(seq 1 60); do rabbit_up && break; sleep 1; done
    rabbit_up || { echo "RabbitMQ did not come up on 127.0.0.1:5672" >&2; exit 1; }
fi
# virtlogd first: libvirtd hands it the guests' serial console logs.
if ! pgrep -x virtlogd >/dev/null; then
    echo "starting virtlogd"; virtlogd -d
fi
if ! pgrep -x libvirtd >/dev/null; then
    echo "starting libvirtd"; libvirtd -d
fi
libvirt_up() { virsh -c qemu:///system version >/dev/null 2>&1; }
for _ in $(seq 1 30); do libvirt_up && break; sleep 1; done
libvirt_up || { echo "libvirtd does not answer at qemu:///system" >&2; exit 1; }
exit 0
