//! Creates a real cluster in a scratch directory, stops it, starts it again and checks the
//! data-directory lock.

use std::os::unix::fs::PermissionsExt;

use riposte_pgcluster::{Cluster, ClusterError, ClusterState, DataDirLock};

fn scratch_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    // When tests run as root the cluster runs as `postgres`, which must be able to enter it.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    dir
}

#[test]
fn create_start_stop_restart() {
    let dir = scratch_dir();
    let cluster = Cluster::new(dir.path(), None).expect("binaries found");
    assert_eq!(cluster.state(), ClusterState::NotCreated);

    let target = cluster.start().expect("first start creates the cluster");
    assert!(matches!(cluster.state(), ClusterState::Running { .. }));
    assert!(target.socket_dir.join(format!(".s.PGSQL.{}", target.port)).exists(), "socket present");
    let version_before = std::fs::read_to_string(cluster.pgdata().join("PG_VERSION")).expect("PG_VERSION");

    cluster.stop().expect("stop");
    assert_eq!(cluster.state(), ClusterState::Stopped);

    cluster.start().expect("second start reuses the cluster");
    let version_after = std::fs::read_to_string(cluster.pgdata().join("PG_VERSION")).expect("PG_VERSION");
    assert_eq!(version_before, version_after);
    cluster.stop().expect("stop again");
}

#[test]
fn refuses_a_directory_that_is_not_a_cluster() {
    let dir = scratch_dir();
    std::fs::create_dir_all(dir.path().join("pgdata")).expect("mkdir");
    std::fs::write(dir.path().join("pgdata").join("precious.txt"), "keep me").expect("write");
    let cluster = Cluster::new(dir.path(), None).expect("binaries found");
    let err = cluster.start().expect_err("must not initdb over foreign files");
    assert!(matches!(err, ClusterError::NotACluster { .. }), "{err}");
    assert!(dir.path().join("pgdata").join("precious.txt").exists(), "nothing deleted");
}

#[test]
fn second_holder_of_the_data_directory_is_refused() {
    let dir = scratch_dir();
    let _first = DataDirLock::try_acquire(dir.path()).expect("first lock");
    let err = DataDirLock::try_acquire(dir.path()).expect_err("second lock refused");
    let message = err.to_string();
    assert!(message.contains("in use by another Riposte server"), "{message}");
    assert!(message.contains(&std::process::id().to_string()), "names the holder: {message}");
}
