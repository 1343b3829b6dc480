#!/bin/bash
r() { echo "+++ $*"; "$@"; echo "--- rc=$?"; }
J="--reportformat json --units b --nosuffix"
r pvcreate /dev/vda /dev/vdb
r vgcreate --addtag vgtag1 --addtag stratum.io/x=y stratum /dev/vda /dev/vdb
r vgcreate stratum /dev/vda
r vgs $J -o vg_name,vg_tags nope
r vgs $J -o vg_name,vg_tags stratum
r pvs $J -o pv_name,vg_name /dev/nonexist
r vgextend stratum /dev/vda
# multi-segment LV: a on vda, b after it, extend a -> second segment
r lvcreate -y -Wy -Zy -n a -L 8m stratum /dev/vda
r lvcreate -y -Wy -Zy -n b -L 8m stratum /dev/vda
r lvextend -y -L 16m stratum/a /dev/vdb
r lvs $J -o lv_name,lv_uuid,lv_size,segtype,stripes stratum
r lvs $J -o lv_name,lv_size,segtype,stripes stratum/a
UUID=$(lvs --noheadings -o lv_uuid stratum/a | tr -d ' ')
r lvs $J -o lv_name -S "lv_uuid=$UUID"
r lvs $J -o lv_name -S lv_name=a
# size in bytes, not extent multiple
r lvcreate -y -Wy -Zy -n c -L 10000000b stratum
r lvextend -y -L 12582912b stratum/c
r lvextend -y -L 100g stratum/c
r lvextend -y -L 8m stratum/c
r lvreduce -y -L 8m stratum/c
# raid / stripes insufficient PVs
r lvcreate -y -n r2 -L 8m --type raid1 -m 2 stratum
r lvcreate -y -n s3 -L 8m -i 3 stratum
r lvcreate -y -n s2 -L 8m -i 2 -I 64k stratum
r lvcreate -y -n rbig -L 3g --type raid1 -m 1 stratum
r lvcreate -y -n s2big -L 7g -i 2 stratum
# thin
r lvcreate -y -n nothin -V 8m --thinpool nopool stratum
r lvcreate -y -n pool -L 64m --type thin-pool --errorwhenfull y stratum
r lvcreate -y -n pool2 -L 20g --type thin-pool stratum
r lvcreate -y -n th1 -V 256m --thinpool pool stratum
r lvcreate -y -n th1 -V 256m --thinpool pool stratum
r lvcreate -y -s -n snapx stratum/nosuch
r lvcreate -y -s -n cowx -L 8m stratum/nosuch
r lvcreate -y -s -n cowbig -L 50g stratum/a
r lvextend -y -L 512m stratum/th1
r lvs $J -o lv_name,lv_size,data_percent,metadata_percent,pool_lv,segtype stratum
timeout 120 dd if=/dev/urandom of=/dev/stratum/th1 bs=1M count=80 oflag=direct 2>&1 | tail -2
r lvs $J -o lv_name,lv_size,data_percent,metadata_percent stratum/pool
r lvcreate -y -n th2 -V 16m --thinpool pool stratum
r lvcreate -y -s -n th1snap stratum/th1
# in use
exec 3</dev/stratum/a
r lvremove -y stratum/a
r lvchange -an stratum/a
r lvchange -an -y stratum/a
exec 3<&-
# locks
mkdir -p /run/lock/lvm; ls -la /run/lock/lvm
flock -x /run/lock/lvm/V_stratum -c 'sleep 20' &
sleep 1
ls -la /run/lock/lvm
r lvcreate -y -n lk -L 8m stratum --config global/wait_for_locks=0
r lvs $J -o lv_name stratum --config global/wait_for_locks=0
r timeout -s INT 3 lvcreate -y -n lk2 -L 8m stratum
wait
# tags
r lvchange --addtag -bad stratum/a
r lvchange --addtag 'x@y' stratum/a
r lvchange --addtag "$(printf 'a%.0s' $(seq 1 1100))" stratum/a
r lvchange --addtag 'stratum.io/csi=pvc#2dabc&x!:y+z' stratum/a
r lvs $J -o lv_name,lv_tags stratum/a
r lvs $J -o lv_name '@stratum.io/csi=pvc#2dabc&x!:y+z'
r lvchange --deltag nosuchtag stratum/a
r lvchange --addtag 'stratum.io/csi=pvc#2dabc&x!:y+z' stratum/a
r lvchange --addtag t1 --addtag t2 --deltag t1 stratum/a
r lvs $J -o lv_name,lv_tags stratum/a
r lvremove -y stratum/nope
r lvremove -y stratum/b
r vgs $J -o vg_name,vg_tags,lv_count
r lvcreate -y -n "$(printf 'n%.0s' $(seq 1 127))" -L 8m stratum
r lvcreate -y -n "$(printf 'n%.0s' $(seq 1 128))" -L 8m stratum
r lvs $J -o lv_name,lv_tags,lv_attr,lv_active,lv_kernel_major stratum
