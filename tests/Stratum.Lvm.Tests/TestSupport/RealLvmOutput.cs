namespace Stratum.Lvm.Tests.TestSupport;

/// <summary>
/// Real output of LVM 2.03.16 (Debian 12) captured in the VM: /work/notes/real-lvm-probe.txt and
/// TestData/lvm-2.03.16-probe-*.txt. Stdout and stderr are as LVM printed them.
/// </summary>
internal static class RealLvmOutput
{
    /// <summary><c>lvs -a -o (all Stratum fields)</c> on a VG with linear, COW snapshot, thin pool, thin, thin snapshot, raid1 and striped LVs.</summary>
    public const string LvsAllFields = """
  {
      "report": [
          {
              "lv": [
                  {"lv_name":"cow1", "vg_name":"stratum", "lv_uuid":"rSQATk-98QU-57Jt-4e9O-CA0j-chF5-wndZO9", "lv_size":"20971520", "lv_tags":"", "lv_attr":"swi-a-s---", "lv_path":"/dev/stratum/cow1", "lv_dm_path":"/dev/mapper/stratum-cow1", "lv_kernel_major":"253", "lv_kernel_minor":"8", "pool_lv":"", "origin":"t1", "data_percent":"0.00", "metadata_percent":"", "segtype":"linear", "lv_active":"active", "stripes":"1"},
                  {"lv_name":"[lvol0_pmspare]", "vg_name":"stratum", "lv_uuid":"Zp25W9-zjos-nhE4-P45W-t4xR-JqC0-Yf54EG", "lv_size":"4194304", "lv_tags":"", "lv_attr":"ewi-------", "lv_path":"", "lv_dm_path":"/dev/mapper/stratum-lvol0_pmspare", "lv_kernel_major":"-1", "lv_kernel_minor":"-1", "pool_lv":"", "origin":"", "data_percent":"", "metadata_percent":"", "segtype":"linear", "lv_active":"", "stripes":"1"},
                  {"lv_name":"pool", "vg_name":"stratum", "lv_uuid":"53SMyH-an40-KMpo-ZOOv-Hyeh-eFML-FzJCB0", "lv_size":"209715200", "lv_tags":"", "lv_attr":"twi-aotz--", "lv_path":"", "lv_dm_path":"/dev/mapper/stratum-pool", "lv_kernel_major":"253", "lv_kernel_minor":"3", "pool_lv":"", "origin":"", "data_percent":"0.00", "metadata_percent":"10.94", "segtype":"thin-pool", "lv_active":"active", "stripes":"1"},
                  {"lv_name":"[pool_tdata]", "vg_name":"stratum", "lv_uuid":"yCKouB-hs6p-Fs3c-AOls-3T4k-qPnu-DhjuTn", "lv_size":"209715200", "lv_tags":"", "lv_attr":"Twi-ao----", "lv_path":"", "lv_dm_path":"/dev/mapper/stratum-pool_tdata", "lv_kernel_major":"253", "lv_kernel_minor":"2", "pool_lv":"", "origin":"", "data_percent":"", "metadata_percent":"", "segtype":"linear", "lv_active":"active", "stripes":"1"},
                  {"lv_name":"[pool_tmeta]", "vg_name":"stratum", "lv_uuid":"kMtS2b-wye4-3dA6-j6CI-MnbW-VGx7-rThfwx", "lv_size":"4194304", "lv_tags":"", "lv_attr":"ewi-ao----", "lv_path":"", "lv_dm_path":"/dev/mapper/stratum-pool_tmeta", "lv_kernel_major":"253", "lv_kernel_minor":"1", "pool_lv":"", "origin":"", "data_percent":"", "metadata_percent":"", "segtype":"linear", "lv_active":"active", "stripes":"1"},
                  {"lv_name":"r1", "vg_name":"stratum", "lv_uuid":"MPXPRo-BJho-72lJ-mxRU-SCdg-ryCz-sz9x6o", "lv_size":"41943040", "lv_tags":"", "lv_attr":"rwi-a-r---", "lv_path":"/dev/stratum/r1", "lv_dm_path":"/dev/mapper/stratum-r1", "lv_kernel_major":"253", "lv_kernel_minor":"13", "pool_lv":"", "origin":"", "data_percent":"", "metadata_percent":"", "segtype":"raid1", "lv_active":"active", "stripes":"2"},
                  {"lv_name":"[r1_rimage_0]", "vg_name":"stratum", "lv_uuid":"o9tvge-XXCX-xUnN-j2pP-orI2-bjz4-NFDwtn", "lv_size":"41943040", "lv_tags":"", "lv_attr":"iwi-aor---", "lv_path":"", "lv_dm_path":"/dev/mapper/stratum-r1_rimage_0", "lv_kernel_major":"253", "lv_kernel_minor":"10", "pool_lv":"", "origin":"", "data_percent":"", "metadata_percent":"", "segtype":"linear", "lv_active":"active", "stripes":"1"},
                  {"lv_name":"[r1_rimage_1]", "vg_name":"stratum", "lv_uuid":"Myx83f-QLio-Ktg7-QYoV-iERa-EaR5-sUMvdA", "lv_size":"41943040", "lv_tags":"", "lv_attr":"iwi-aor---", "lv_path":"", "lv_dm_path":"/dev/mapper/stratum-r1_rimage_1", "lv_kernel_major":"253", "lv_kernel_minor":"12", "pool_lv":"", "origin":"", "data_percent":"", "metadata_percent":"", "segtype":"linear", "lv_active":"active", "stripes":"1"},
                  {"lv_name":"[r1_rmeta_0]", "vg_name":"stratum", "lv_uuid":"EKsY3t-Bx36-0GWF-j2xy-u2E6-0i9d-2N0Ygv", "lv_size":"4194304", "lv_tags":"", "lv_attr":"ewi-aor---", "lv_path":"", "lv_dm_path":"/dev/mapper/stratum-r1_rmeta_0", "lv_kernel_major":"253", "lv_kernel_minor":"9", "pool_lv":"", "origin":"", "data_percent":"", "metadata_percent":"", "segtype":"linear", "lv_active":"active", "stripes":"1"},
                  {"lv_name":"[r1_rmeta_1]", "vg_name":"stratum", "lv_uuid":"TdFyY3-ZKU8-RRg7-LUhS-gqLO-Z8kF-VCtc1H", "lv_size":"4194304", "lv_tags":"", "lv_attr":"ewi-aor---", "lv_path":"", "lv_dm_path":"/dev/mapper/stratum-r1_rmeta_1", "lv_kernel_major":"253", "lv_kernel_minor":"11", "pool_lv":"", "origin":"", "data_percent":"", "metadata_percent":"", "segtype":"linear", "lv_active":"active", "stripes":"1"},
                  {"lv_name":"s1", "vg_name":"stratum", "lv_uuid":"GLf4Of-808k-c89R-mx7H-LtWR-9JXj-82fkNj", "lv_size":"41943040", "lv_tags":"", "lv_attr":"-wi-a-----", "lv_path":"/dev/stratum/s1", "lv_dm_path":"/dev/mapper/stratum-s1", "lv_kernel_major":"253", "lv_kernel_minor":"14", "pool_lv":"", "origin":"", "data_percent":"", "metadata_percent":"", "segtype":"striped", "lv_active":"active", "stripes":"2"},
                  {"lv_name":"snap1", "vg_name":"stratum", "lv_uuid":"5aMK9F-SW9R-LHBc-R9Hl-4o9B-6cGQ-29X92t", "lv_size":"1073741824", "lv_tags":"", "lv_attr":"Vwi---tz-k", "lv_path":"/dev/stratum/snap1", "lv_dm_path":"/dev/mapper/stratum-snap1", "lv_kernel_major":"-1", "lv_kernel_minor":"-1", "pool_lv":"pool", "origin":"thin1", "data_percent":"", "metadata_percent":"", "segtype":"thin", "lv_active":"", "stripes":"0"},
                  {"lv_name":"t1", "vg_name":"stratum", "lv_uuid":"3RceFD-hPKP-WWAz-f0NL-YSe9-NsQn-OeY7AT", "lv_size":"104857600", "lv_tags":"a=b,stratum/name=x#2f", "lv_attr":"owi-a-s---", "lv_path":"/dev/stratum/t1", "lv_dm_path":"/dev/mapper/stratum-t1", "lv_kernel_major":"253", "lv_kernel_minor":"0", "pool_lv":"", "origin":"", "data_percent":"", "metadata_percent":"", "segtype":"linear", "lv_active":"active", "stripes":"1"},
                  {"lv_name":"thin1", "vg_name":"stratum", "lv_uuid":"sgyrtD-QVqt-14ez-BcZi-nwxX-vrEa-9CCblB", "lv_size":"1073741824", "lv_tags":"", "lv_attr":"Vwi-a-tz--", "lv_path":"/dev/stratum/thin1", "lv_dm_path":"/dev/mapper/stratum-thin1", "lv_kernel_major":"253", "lv_kernel_minor":"5", "pool_lv":"pool", "origin":"", "data_percent":"0.00", "metadata_percent":"", "segtype":"thin", "lv_active":"active", "stripes":"0"}
              ]
          }
      ]
  }
""";

    /// <summary><c>vgs -o (all Stratum fields)</c>.</summary>
    public const string Vgs = """
  {
      "report": [
          {
              "vg": [
                  {"vg_name":"stratum", "vg_uuid":"N1B7t6-lYkg-GhuK-vbpx-gXIT-st1h-r2q8Lc", "vg_size":"8581545984", "vg_free":"8103395328", "vg_extent_size":"4194304", "vg_extent_count":"2046", "vg_free_count":"1932", "vg_tags":"", "vg_attr":"wz--n-", "pv_count":"2", "lv_count":"7"}
              ]
          }
      ]
  }
""";

    /// <summary><c>pvs -o (all Stratum fields)</c>.</summary>
    public const string Pvs = """
  {
      "report": [
          {
              "pv": [
                  {"pv_name":"/dev/vda", "vg_name":"stratum", "pv_uuid":"yBWVMF-hnSB-yUYt-NNVL-DdqE-Lixm-xhQIKV", "pv_size":"4290772992", "pv_free":"3883925504", "pv_attr":"a--", "pv_tags":"", "dev_size":"4294967296"},
                  {"pv_name":"/dev/vdb", "vg_name":"stratum", "pv_uuid":"dESjjl-JFg6-mj6f-BMf5-Lewq-YovC-TJJKFX", "pv_size":"4290772992", "pv_free":"4219469824", "pv_attr":"a--", "pv_tags":"", "dev_size":"4294967296"}
              ]
          }
      ]
  }
""";

    /// <summary><c>lvs -o lv_name,lv_uuid,lv_size,segtype,stripes stratum</c> after LV "a" grew onto a second PV: one row per segment.</summary>
    public const string LvsMultiSegment = """
  {
      "report": [
          {
              "lv": [
                  {"lv_name":"a", "lv_uuid":"rreXA0-xm7o-5dKX-9ZUN-kSHK-L43d-C1IEcP", "lv_size":"16777216", "segtype":"linear", "stripes":"1"},
                  {"lv_name":"a", "lv_uuid":"rreXA0-xm7o-5dKX-9ZUN-kSHK-L43d-C1IEcP", "lv_size":"16777216", "segtype":"linear", "stripes":"1"},
                  {"lv_name":"b", "lv_uuid":"5cdTGE-7Yqs-RiwD-fOaG-MU1f-Te3M-Uk3taZ", "lv_size":"8388608", "segtype":"linear", "stripes":"1"}
              ]
          }
      ]
  }
""";

    /// <summary><c>vgs -o vg_name,vg_tags stratum</c> after <c>vgcreate --addtag vgtag1 --addtag stratum.io/x=y</c>.</summary>
    public const string VgsWithTags = """
  {
      "report": [
          {
              "vg": [
                  {"vg_name":"stratum", "vg_tags":"stratum.io/x=y,vgtag1"}
              ]
          }
      ]
  }
""";

    /// <summary>Stdout of <c>lvs stratum/nope</c> (rc 5): an empty report.</summary>
    public const string EmptyLvReport = """
  {
      "report": [
          {
              "lv": [
              ]
          }
      ]
  }
""";

    /// <summary>Stdout of <c>vgs nope</c> (rc 5): an empty report.</summary>
    public const string EmptyVgReport = """
  {
      "report": [
          {
              "vg": [
              ]
          }
      ]
  }
""";


    /// <summary>
    /// <c>lvm fullreport</c> as <c>LvmCli.ReportAsync(null, owner tag)</c> runs it, on two VGs: vg2
    /// (no LV of Stratum's) and vg (a linear LV of two segments, raid1, striped, thin; a thin pool
    /// without the tag). TestData/lvm-2.03.16-probe-4.
    /// </summary>
    public const string FullReportOwned = """
  {
      "report": [
          {
              "vg": [
                  {"vg_name":"vg2", "vg_uuid":"8ZxNOK-8x3R-uP41-vz05-peEg-2rO3-zV2Uod", "vg_size":"1069547520", "vg_free":"1061158912", "vg_extent_size":"4194304", "vg_extent_count":"255", "vg_free_count":"253", "vg_tags":"", "vg_attr":"wz--n-", "pv_count":"1", "lv_count":"1"}
              ]
              ,
              "pv": [
                  {"pv_name":"/dev/vdc", "vg_name":"vg2", "pv_uuid":"gIWMq4-vT8I-jt3L-b9e3-Rbp5-oMmd-TqET0n", "pv_size":"1069547520", "pv_free":"1061158912", "pv_attr":"a--", "pv_tags":"", "dev_size":"1073741824"}
              ]
              ,
              "lv": [
              ]
              ,
              "pvseg": [
              ]
              ,
              "seg": [
              ]
          }
          ,
          {
              "vg": [
                  {"vg_name":"vg", "vg_uuid":"ucfCtF-JzeM-ilFQ-LLih-22zF-CtmB-nXESm9", "vg_size":"2139095040", "vg_free":"2067791872", "vg_extent_size":"4194304", "vg_extent_count":"510", "vg_free_count":"493", "vg_tags":"", "vg_attr":"wz--n-", "pv_count":"2", "lv_count":"5"}
              ]
              ,
              "pv": [
                  {"pv_name":"/dev/vda", "vg_name":"vg", "pv_uuid":"fFCw22-HpZc-wS3C-nuFj-Af4H-8QC8-3fXuX1", "pv_size":"1069547520", "pv_free":"1023410176", "pv_attr":"a--", "pv_tags":"", "dev_size":"1073741824"},
                  {"pv_name":"/dev/vdb", "vg_name":"vg", "pv_uuid":"Q9OX8w-pcPw-3IDu-FyCJ-udDc-iJHV-puwtib", "pv_size":"1069547520", "pv_free":"1044381696", "pv_attr":"a--", "pv_tags":"", "dev_size":"1073741824"}
              ]
              ,
              "lv": [
                  {"lv_name":"a", "vg_name":"vg", "lv_uuid":"T8VNii-3kB3-wDMF-7WcO-Pu6z-RgNU-H8H4G1", "lv_size":"12582912", "lv_tags":"stratum/owner=lvm.stratum.dev,stratum/state=creating", "lv_attr":"-wi-a-----", "lv_path":"/dev/vg/a", "lv_dm_path":"/dev/mapper/vg-a", "lv_kernel_major":"253", "lv_kernel_minor":"0", "pool_lv":"", "origin":"", "data_percent":"", "metadata_percent":"", "lv_active":"active", "lv_health_status":""},
                  {"lv_name":"r", "vg_name":"vg", "lv_uuid":"FBDYih-z6Pa-L1FY-m70H-OHHS-bfBL-qMN1YF", "lv_size":"8388608", "lv_tags":"stratum/owner=lvm.stratum.dev", "lv_attr":"rwi-a-r---", "lv_path":"/dev/vg/r", "lv_dm_path":"/dev/mapper/vg-r", "lv_kernel_major":"253", "lv_kernel_minor":"5", "pool_lv":"", "origin":"", "data_percent":"", "metadata_percent":"", "lv_active":"active", "lv_health_status":""},
                  {"lv_name":"s", "vg_name":"vg", "lv_uuid":"Vf1eXG-UHCe-mGJt-1unX-5eAO-wmbQ-fssvhd", "lv_size":"8388608", "lv_tags":"stratum/owner=lvm.stratum.dev", "lv_attr":"-wi-a-----", "lv_path":"/dev/vg/s", "lv_dm_path":"/dev/mapper/vg-s", "lv_kernel_major":"253", "lv_kernel_minor":"6", "pool_lv":"", "origin":"", "data_percent":"", "metadata_percent":"", "lv_active":"active", "lv_health_status":""},
                  {"lv_name":"t", "vg_name":"vg", "lv_uuid":"3dlj9O-beFL-1MOl-cDyK-2fUG-hKpb-9COEeM", "lv_size":"16777216", "lv_tags":"stratum/owner=lvm.stratum.dev", "lv_attr":"Vwi-a-tz--", "lv_path":"/dev/vg/t", "lv_dm_path":"/dev/mapper/vg-t", "lv_kernel_major":"253", "lv_kernel_minor":"11", "pool_lv":"pool", "origin":"", "data_percent":"0.00", "metadata_percent":"", "lv_active":"active", "lv_health_status":""}
              ]
              ,
              "pvseg": [
              ]
              ,
              "seg": [
                  {"lv_uuid":"3dlj9O-beFL-1MOl-cDyK-2fUG-hKpb-9COEeM", "segtype":"thin", "stripes":"0"},
                  {"lv_uuid":"FBDYih-z6Pa-L1FY-m70H-OHHS-bfBL-qMN1YF", "segtype":"raid1", "stripes":"2"},
                  {"lv_uuid":"T8VNii-3kB3-wDMF-7WcO-Pu6z-RgNU-H8H4G1", "segtype":"linear", "stripes":"1"},
                  {"lv_uuid":"T8VNii-3kB3-wDMF-7WcO-Pu6z-RgNU-H8H4G1", "segtype":"linear", "stripes":"1"},
                  {"lv_uuid":"Vf1eXG-UHCe-mGJt-1unX-5eAO-wmbQ-fssvhd", "segtype":"striped", "stripes":"2"}
              ]
          }
      ]
  }
""";
}
