"""Loading the bundled street network: projection, connectivity, directions, cache."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

import geodata.network as network
from geodata import (
    BUNDLED_OSM,
    EmptyNetworkError,
    UnknownModeError,
    clear_network_memo,
    file_sha256,
    load_network,
)
from tests.geodata.conftest import EXTRACT_BBOX

README_SHA256 = "63b5f1098c56a367c8942dae3b598c2b1a51179cf4b139ad90e30dd084303bf7"


def _no_build(*_args: object, **_kwargs: object) -> nx.MultiDiGraph:
    raise AssertionError("the OSM file was parsed again instead of read from the cache")


def test_bundled_file_matches_its_readme_hash() -> None:
    """file_sha256 of the bundled extract equals the hash published in data/README.md."""
    assert file_sha256(BUNDLED_OSM) == README_SHA256


def test_graph_is_projected_to_utm_50n(drive: nx.MultiDiGraph) -> None:
    """Nodes carry UTM 50N metres in x/y and the extract's WGS-84 lon/lat beside them."""
    assert drive.graph["crs"] == "EPSG:32650"
    lon_min, lat_min, lon_max, lat_max = EXTRACT_BBOX
    for _, data in drive.nodes(data=True):
        assert 150_000 < data["x"] < 250_000 and 2_480_000 < data["y"] < 2_510_000
        assert lon_min - 0.01 < data["lon"] < lon_max + 0.01
        assert lat_min - 0.01 < data["lat"] < lat_max + 0.01


def test_edge_length_is_metres(drive: nx.MultiDiGraph) -> None:
    """Edge length agrees with the projected geometry's length to within 0.5 %."""
    for _, _, data in drive.edges(data=True):
        if "geometry" in data and data["length"] > 50:
            assert data["geometry"].length == pytest.approx(data["length"], rel=0.005)


def test_drive_graph_is_strongly_connected(drive: nx.MultiDiGraph) -> None:
    """Every node of the drive graph can reach every other along legal directions."""
    assert len(drive) > 4000
    assert nx.is_strongly_connected(drive)


def test_walk_graph_is_connected(walk: nx.MultiDiGraph) -> None:
    """The walk graph is one connected piece."""
    assert len(walk) > 4000
    assert nx.is_weakly_connected(walk)


def test_drive_keeps_one_way_streets(drive: nx.MultiDiGraph) -> None:
    """Some one-way edges of the drive graph have no edge back."""
    one_way = [(u, v) for u, v, oneway in drive.edges(data="oneway") if oneway]
    assert len(one_way) > 100
    assert sum(not drive.has_edge(v, u) for u, v in one_way) > 100


def test_walk_graph_is_bidirectional(walk: nx.MultiDiGraph) -> None:
    """Every street of the walk graph can be walked both ways."""
    assert all(walk.has_edge(v, u) for u, v in walk.edges())


def test_repeated_load_returns_the_memoised_graph(tiny_osm: Path, tmp_path: Path) -> None:
    """A second call in the same process returns the very same graph object."""
    first = load_network(tiny_osm, mode="drive", cache_dir=tmp_path)
    assert load_network(tiny_osm, mode="drive", cache_dir=tmp_path) is first


def test_loaded_graph_is_read_only(drive: nx.MultiDiGraph) -> None:
    """The shared graph refuses structural edits."""
    with pytest.raises(nx.NetworkXError):
        drive.add_node(-1)


def test_second_load_reads_the_disk_cache(
    drive: nx.MultiDiGraph, geo_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the memo is cleared the graph comes from the cache file and equals the first."""
    clear_network_memo()
    monkeypatch.setattr(network, "_build", _no_build)
    again = load_network(mode="drive", cache_dir=geo_cache)
    assert again is not drive
    assert nx.utils.graphs_equal(again, drive)


def test_cache_is_keyed_by_content_and_mode(tiny_osm: Path, tmp_path: Path) -> None:
    """Each mode of each file content gets its own cache file named by its hash."""
    load_network(tiny_osm, mode="drive", cache_dir=tmp_path / "c")
    load_network(tiny_osm, mode="walk", cache_dir=tmp_path / "c")
    names = sorted(p.name for p in (tmp_path / "c").iterdir())
    sha = file_sha256(tiny_osm)[:20]
    assert len(names) == 2 and all(sha in name for name in names)
    assert "-drive-" in names[0] and "-walk-" in names[1]


def test_corrupt_cache_file_is_rebuilt(tiny_osm: Path, tmp_path: Path) -> None:
    """A damaged cache file is ignored, the graph rebuilt and the file rewritten."""
    first = load_network(tiny_osm, mode="drive", cache_dir=tmp_path)
    (cache_file,) = tmp_path.glob("network-*.pickle")
    cache_file.write_bytes(b"not a pickle")
    clear_network_memo()
    again = load_network(tiny_osm, mode="drive", cache_dir=tmp_path)
    assert nx.utils.graphs_equal(again, first)
    assert cache_file.read_bytes() != b"not a pickle"


def test_cache_dir_defaults_to_environment(
    tiny_osm: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without cache_dir the graph is cached under $RELOOP_CACHE_DIR."""
    monkeypatch.setenv("RELOOP_CACHE_DIR", str(tmp_path / "env-cache"))
    load_network(tiny_osm, mode="walk")
    assert len(list((tmp_path / "env-cache").glob("network-*-walk-*.pickle"))) == 1


def test_unwritable_cache_warns_but_loads(tiny_osm: Path, tmp_path: Path) -> None:
    """If the cache directory cannot be created the graph still loads, with a warning."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    with pytest.warns(RuntimeWarning, match="not cached"):
        graph = load_network(tiny_osm, mode="drive", cache_dir=blocker / "cache")
    assert graph.number_of_edges() > 0


def test_unknown_mode_is_rejected(tiny_osm: Path, tmp_path: Path) -> None:
    """A mode other than walk or drive raises UnknownModeError."""
    with pytest.raises(UnknownModeError):
        load_network(tiny_osm, mode="bike", cache_dir=tmp_path)  # type: ignore[arg-type]


def test_file_without_streets_is_rejected(tmp_path: Path) -> None:
    """An OSM file with nodes but no way raises EmptyNetworkError."""
    empty = tmp_path / "empty.osm"
    empty.write_text(
        '<?xml version="1.0"?><osm version="0.6">'
        '<node id="1" lat="22.54" lon="114.05"/><node id="2" lat="22.55" lon="114.05"/></osm>',
        encoding="utf-8",
    )
    with pytest.raises(EmptyNetworkError):
        load_network(empty, mode="drive", cache_dir=tmp_path)
