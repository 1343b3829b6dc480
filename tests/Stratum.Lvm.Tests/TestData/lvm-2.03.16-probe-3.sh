#!/bin/bash
r() { echo "+++ $*"; "$@" </dev/null; echo "--- rc=$?"; }
export LVM_SUPPRESS_FD_WARNINGS=1 LC_ALL=C
J="--reportformat json --units b --nosuffix"
# signatures + pvcreate without --yes, stdin closed
mkfs.ext4 -q /dev/vdb
r pvcreate /dev/vdb
r vgcreate other /dev/vdb
r pvcreate /dev/vda
r vgcreate stratum /dev/vda
wipefs -a /dev/vdb >/dev/null
r vgextend stratum /dev/vdb
# long options, byte sizes
r lvm lvcreate --yes --wipesignatures y --zero y --name c --size 10000384b --addtag t1 stratum
r lvm lvcreate --yes --wipesignatures y --zero y --name st --size 8388608b --stripes 2 --stripesize 65536b stratum
r lvm lvcreate --yes --wipesignatures y --zero y --name st2 --size 8388608b --stripes 2 --stripesize 64k stratum
r lvm lvcreate --yes --wipesignatures y --zero y --name rr --size 8388608b --type raid1 --mirrors 1 --nosync stratum
r lvm lvextend --yes --size 12582912b stratum/c
r lvm lvextend --yes --size 12582912b stratum/c
r lvm lvextend --yes --size 8388608b stratum/c
r lvm lvextend --yes --size 100g stratum/c
r lvm lvextend --yes --size 12582913b stratum/c
# mounted fs
mkfs.ext4 -q /dev/stratum/c; mkdir -p /run/m; mount /dev/stratum/c /run/m
r lvm lvremove --yes stratum/c
r lvm lvchange --activate n stratum/c
r lvm lvextend --yes --size 16777216b stratum/c
umount /run/m
# thin
r lvm lvcreate --yes --type thin-pool --zero y --name pool --size 33554432b --addtag p stratum
r lvm lvchange --errorwhenfull y stratum/pool
r lvm lvcreate --yes --type thin --name th1 --virtualsize 67108864b --thinpool pool --addtag x stratum
r lvm lvcreate --yes --type thin --name th1 --virtualsize 67108864b --thinpool pool stratum
r lvm lvcreate --yes --snapshot --name sn1 --addtag s stratum/th1
r lvm lvcreate --yes --snapshot --name sn2 --setactivationskip n --activate y stratum/th1
r lvm lvs $J -o lv_name,lv_attr,lv_active,origin,pool_lv,data_percent,metadata_percent stratum
r lvm lvchange --activate y --ignoreactivationskip stratum/sn1
r lvm lvchange --activate n stratum/sn1
r lvm lvextend --yes --size 134217728b stratum/th1
r lvm lvextend --yes --size 100g stratum/pool
timeout 200 dd if=/dev/zero of=/dev/stratum/th1 bs=1M count=40 oflag=direct 2>&1 | tail -1
r lvm lvs $J -o lv_name,data_percent,metadata_percent stratum/pool
r lvm lvcreate --yes --type thin --name th2 --virtualsize 8388608b --thinpool pool stratum
r lvm lvcreate --yes --snapshot --name sn3 stratum/th1
# removal of pool with dependents without --yes (stdin closed)
r lvm lvremove stratum/pool
r lvm lvs $J -o lv_name stratum
r lvm lvremove --yes stratum/sn1
r lvm lvcreate --yes --snapshot --name cow1 --size 4194304b --addtag c stratum/st
r lvm lvremove stratum/st
r lvm lvs $J -o lv_name,origin stratum
r lvm vgs $J -o vg_name,vg_free nope
r lvm lvs $J -o lv_name nope
r lvm lvs $J -o lv_name @nosuch
r lvm lvchange --addtag ok stratum/nope
r lvm lvchange --activate y nope/x
r lvm vgcreate --addtag a stratum2 /dev/nonexist
r lvm pvcreate /dev/nonexist
