#!/bin/bash
VG="vg_name,vg_uuid,vg_size,vg_free,vg_extent_size,vg_extent_count,vg_free_count,vg_tags,vg_attr,pv_count,lv_count"
PV="pv_name,vg_name,pv_uuid,pv_size,pv_free,pv_attr,pv_tags,dev_size"
LV="lv_name,vg_name,lv_uuid,lv_size,lv_tags,lv_attr,lv_path,lv_dm_path,lv_kernel_major,lv_kernel_minor,pool_lv,origin,data_percent,metadata_percent,lv_active,lv_health_status"
SEG="lv_uuid,segtype,stripes"
pvcreate -q /dev/vda /dev/vdb /dev/vdc
vgcreate -q vg /dev/vda /dev/vdb
vgcreate -q vg2 /dev/vdc
lvcreate -q --yes -n a -L 8m --addtag stratum/owner=lvm.stratum.dev --addtag stratum/state=creating vg
lvextend -q -L 12m vg/a /dev/vdb
lvcreate -q --yes -n r -L 8m --type raid1 -m 1 --addtag stratum/owner=lvm.stratum.dev vg
lvcreate -q --yes -n s -L 8m -i 2 --addtag stratum/owner=lvm.stratum.dev vg
lvcreate -q --yes --type thin-pool -n pool -L 16m vg
lvcreate -q --yes --type thin -n t -V 16m --thinpool pool --addtag stratum/owner=lvm.stratum.dev vg
lvcreate -q --yes -n other -L 8m vg2
echo "==== fullreport all, lv selected by tag"
lvm fullreport --reportformat json --units b --nosuffix --configreport vg -o $VG --configreport pv -o $PV --configreport lv -o $LV -S 'lv_tags={"stratum/owner=lvm.stratum.dev"}' --configreport pvseg -o pvseg_start -S 'pvseg_start<0' --configreport seg -o $SEG -S 'lv_tags={"stratum/owner=lvm.stratum.dev"}'; echo rc=$?
echo "==== fullreport vg2 none of ours"
lvm fullreport --reportformat json --units b --nosuffix --configreport vg -o vg_name --configreport pv -o pv_name --configreport lv -o lv_name -S 'lv_tags={"stratum/owner=lvm.stratum.dev"}' --configreport pvseg -o pvseg_start -S 'pvseg_start<0' --configreport seg -o lv_uuid -S 'lv_tags={"stratum/owner=lvm.stratum.dev"}' vg2; echo rc=$?
echo "==== orphans"
pvcreate -q /dev/vdd 2>/dev/null
lvm fullreport --reportformat json --units b --nosuffix --configreport vg -o vg_name --configreport pv -o pv_name,vg_name --configreport lv -o lv_name --configreport pvseg -o pvseg_start --configreport seg -o lv_uuid; echo rc=$?
