//! Geospatial functions over points and grid cells: distances on the sphere,
//! geohashes, S2 cells (the `s2` crate) and H3 cells (the `h3o` crate).
//!
//! Rules (each function's docs page and the conformance cases):
//! - Coordinates are degrees, longitude in [-180, 180] and latitude in [-90, 90];
//!   anything else (or null) gives null, or "" for the functions returning a cell.
//! - Distances are great-circle distances on a sphere of radius 6,371,010 m (the
//!   radius that reproduces geo_distance_2points' documented 1546754.35197381 m).
//! - Points and polygons are GeoJSON dynamic values, [longitude, latitude].
//! - An invalid cell or geohash gives null (or "" where a cell is returned).
//! - A polygon's ring bounds the smaller of the two regions it divides the sphere into,
//!   whichever its orientation; its edges are geodesics; a polygon is its shell less its
//!   holes. An invalid polygon or point gives null.
//! - Areas, perimeters and centroids of polygons are S2's, on the same sphere (the
//!   radius reproduces geo_polygon_area's documented 3475207.28346606 m²).

use super::{num_f64, num_i64, pure, sig, text, ArgInfo, Bound, FnError, Want};
use crate::types::Type;
use crate::value::{Bag, Value};
use s2::cell::Cell as S2Cell;
use s2::cellid::CellID;
use s2::latlng::LatLng as S2LatLng;
use s2::point::Point as S2Point;
use s2::r3::vector::Vector;
use std::sync::Arc;

pub(super) const NAMES: &[&str] = &[
    "geo_distance_2points",
    "geo_point_in_circle",
    "geo_azimuth",
    "geo_angle",
    "geo_line_length",
    "geo_distance_point_to_line",
    "geo_closest_point_on_line",
    "geo_line_centroid",
    "geo_line_interpolate_point",
    "geo_line_locate_point",
    "geo_intersects_2lines",
    "geo_intersects_line_with_polygon",
    "geo_intersects_2polygons",
    "geo_point_in_polygon",
    "geo_polygon_area",
    "geo_polygon_perimeter",
    "geo_polygon_centroid",
    "geo_distance_point_to_polygon",
    "geo_closest_point_on_polygon",
    "geo_point_to_geohash",
    "geo_geohash_to_central_point",
    "geo_geohash_to_polygon",
    "geo_geohash_neighbors",
    "geo_point_to_s2cell",
    "geo_s2cell_to_central_point",
    "geo_s2cell_to_polygon",
    "geo_s2cell_neighbors",
    "geo_point_to_h3cell",
    "geo_h3cell_to_central_point",
    "geo_h3cell_to_polygon",
    "geo_h3cell_level",
    "geo_h3cell_parent",
    "geo_h3cell_children",
    "geo_h3cell_neighbors",
    "geo_h3cell_rings",
    "geo_from_wkt",
];

/// The sphere's radius in meters.
const EARTH_RADIUS: f64 = 6_371_010.0;

pub(super) fn bind(name: &str, args: &[ArgInfo]) -> Option<Bound> {
    use Want::*;
    Some(match name {
        // The fifth argument, use_spheroid, defaults to false (the sphere); the
        // spheroid's distance is not built, so only a constant false (or null) binds.
        "geo_distance_2points" => sig(name, args, 4, 5, &[Num, Num, Num, Num, Bool])
            .and_then(|_| sphere_only(name, args, 4))
            .and_then(|_| {
                pure(Type::Real, |a| {
                    match (point(&a[0], &a[1]), point(&a[2], &a[3])) {
                        (Some(p), Some(q)) => Value::Real(distance(p, q)),
                        _ => Value::Null,
                    }
                })
            }),
        "geo_point_in_circle" => sig(name, args, 5, 5, &[Num]).and_then(|_| {
            pure(Type::Bool, |a| {
                let r = num_f64(&a[4]).filter(|r| r.is_finite() && *r >= 0.0);
                match (point(&a[0], &a[1]), point(&a[2], &a[3]), r) {
                    (Some(p), Some(c), Some(r)) => Value::Bool(distance(p, c) <= r),
                    _ => Value::Null,
                }
            })
        }),
        "geo_azimuth" => sig(name, args, 4, 4, &[Num]).and_then(|_| {
            pure(Type::Real, |a| {
                match (point(&a[0], &a[1]), point(&a[2], &a[3])) {
                    (Some(p), Some(q)) if p != q => Value::Real(azimuth(p, q)),
                    _ => Value::Null,
                }
            })
        }),
        // Clockwise from the line [p2, p1] to the line [p2, p3], in [0, 2π).
        "geo_angle" => sig(name, args, 6, 6, &[Num]).and_then(|_| {
            pure(Type::Real, |a| {
                match (
                    point(&a[0], &a[1]),
                    point(&a[2], &a[3]),
                    point(&a[4], &a[5]),
                ) {
                    (Some(p1), Some(p2), Some(p3)) if p1 != p2 && p2 != p3 => {
                        let tau = std::f64::consts::TAU;
                        Value::Real((azimuth(p2, p3) - azimuth(p2, p1)).rem_euclid(tau))
                    }
                    _ => Value::Null,
                }
            })
        }),
        "geo_distance_point_to_line" => {
            sig(name, args, 3, 3, &[Num, Num, Dynamic]).and_then(|_| {
                pure(Type::Real, |a| match closest_on_line(&a[0], &a[1], &a[2]) {
                    Some((angle, _)) => Value::Real(EARTH_RADIUS * angle),
                    None => Value::Null,
                })
            })
        }
        "geo_closest_point_on_line" => sig(name, args, 3, 3, &[Num, Num, Dynamic]).and_then(|_| {
            pure(Type::Dynamic, |a| {
                match closest_on_line(&a[0], &a[1], &a[2]) {
                    Some((_, (lng, lat))) => geo_point(lng, lat),
                    None => Value::Null,
                }
            })
        }),
        "geo_line_centroid" => sig(name, args, 1, 1, &[Dynamic]).and_then(|_| {
            pure(Type::Dynamic, |a| match line_centroid(&a[0]) {
                Some((lng, lat)) => geo_point(lng, lat),
                None => Value::Null,
            })
        }),
        "geo_line_interpolate_point" => sig(name, args, 2, 2, &[Dynamic, Num]).and_then(|_| {
            pure(Type::Dynamic, |a| {
                let f = num_f64(&a[1]).filter(|f| (0.0..=1.0).contains(f));
                match (one_line(&a[0]), f) {
                    (Some(l), Some(f)) => match interpolate(&l, f) {
                        Some(p) => {
                            let (lng, lat) = s2_degrees(&S2Point(p));
                            geo_point(lng, lat)
                        }
                        None => Value::Null,
                    },
                    _ => Value::Null,
                }
            })
        }),
        // The fourth argument, use_spheroid, as geo_distance_2points takes it.
        "geo_line_locate_point" => sig(name, args, 3, 4, &[Dynamic, Num, Num, Bool])
            .and_then(|_| sphere_only(name, args, 3))
            .and_then(|_| {
                pure(Type::Real, |a| {
                    match (one_line(&a[0]), point(&a[1], &a[2])) {
                        (Some(l), Some(p)) => locate(&l, &unit(p)).map_or(Value::Null, Value::Real),
                        _ => Value::Null,
                    }
                })
            }),
        "geo_intersects_2lines" => sig(name, args, 2, 2, &[Dynamic]).and_then(|_| {
            pure(Type::Bool, |a| match (edges(&a[0]), edges(&a[1])) {
                (Some(x), Some(y)) => Value::Bool(
                    x.iter()
                        .any(|(p, q)| y.iter().any(|(r, t)| edges_meet(p, q, r, t))),
                ),
                _ => Value::Null,
            })
        }),
        "geo_intersects_line_with_polygon" => sig(name, args, 2, 2, &[Dynamic]).and_then(|_| {
            let fixed = Fixed::of(&args[1]);
            pure(Type::Bool, move |a| {
                match (edges(&a[0]), fixed.get(&a[1])) {
                    (Some(line), Some(polys)) => Value::Bool(line_meets_polygons(&line, &polys)),
                    _ => Value::Null,
                }
            })
        }),
        "geo_intersects_2polygons" => sig(name, args, 2, 2, &[Dynamic]).and_then(|_| {
            let (fx, fy) = (Fixed::of(&args[0]), Fixed::of(&args[1]));
            pure(Type::Bool, move |a| match (fx.get(&a[0]), fy.get(&a[1])) {
                (Some(x), Some(y)) => Value::Bool(polygons_meet(&x, &y)),
                _ => Value::Null,
            })
        }),
        // Measures of the region a polygon bounds (see `measures`).
        "geo_polygon_area" | "geo_polygon_perimeter" | "geo_polygon_centroid" => {
            sig(name, args, 1, 1, &[Dynamic]).and_then(|_| {
                let fixed = Fixed::of(&args[0]);
                let which = name.to_string();
                let ty = match name {
                    "geo_polygon_centroid" => Type::Dynamic,
                    _ => Type::Real,
                };
                pure(ty, move |a| {
                    let Some(m) = fixed.get(&a[0]).and_then(|p| measures(&p)) else {
                        return Value::Null;
                    };
                    match which.as_str() {
                        "geo_polygon_area" => Value::Real(m.area * EARTH_RADIUS * EARTH_RADIUS),
                        "geo_polygon_perimeter" => Value::Real(m.perimeter * EARTH_RADIUS),
                        _ => match S2Point(m.centroid).normalize() {
                            c if c.0.norm2() > 0.0 => {
                                let (lng, lat) = s2_degrees(&c);
                                geo_point(lng, lat)
                            }
                            _ => Value::Null,
                        },
                    }
                })
            })
        }
        "geo_point_in_polygon" => sig(name, args, 3, 3, &[Num, Num, Dynamic]).and_then(|_| {
            let fixed = Fixed::of(&args[2]);
            pure(Type::Bool, move |a| {
                match (point(&a[0], &a[1]), fixed.get(&a[2])) {
                    (Some(p), Some(polys)) => Value::Bool(in_polygons(&polys, &S2Point(unit(p)))),
                    _ => Value::Null,
                }
            })
        }),
        // One reading of the polygon, then its distance or its closest point.
        "geo_distance_point_to_polygon" | "geo_closest_point_on_polygon" => {
            sig(name, args, 3, 3, &[Num, Num, Dynamic]).and_then(|_| {
                let fixed = Fixed::of(&args[2]);
                let distance = name == "geo_distance_point_to_polygon";
                let ty = if distance { Type::Real } else { Type::Dynamic };
                pure(ty, move |a| {
                    match closest_on_polygon(&a[0], &a[1], fixed.get(&a[2]).as_deref()) {
                        Some((angle, _)) if distance => Value::Real(EARTH_RADIUS * angle),
                        Some((_, (lng, lat))) => geo_point(lng, lat),
                        None => Value::Null,
                    }
                })
            })
        }
        "geo_line_length" => sig(name, args, 1, 1, &[Dynamic]).and_then(|_| {
            pure(Type::Real, |a| match line_length(&a[0]) {
                Some(l) => Value::Real(l),
                None => Value::Null,
            })
        }),
        "geo_point_to_geohash" => sig(name, args, 2, 3, &[Num, Num, Integer]).and_then(|_| {
            pure(Type::String, |a| {
                let accuracy = level(a.get(2), 5, 1, 18);
                match (point(&a[0], &a[1]), accuracy) {
                    (Some((lng, lat)), Some(n)) => Value::str(&geohash(lng, lat, n)),
                    _ => Value::empty_str(),
                }
            })
        }),
        "geo_geohash_to_central_point" | "geo_geohash_to_polygon" => sig(name, args, 1, 1, &[Str])
            .and_then(|_| {
                let polygon = name.ends_with("polygon");
                pure(Type::Dynamic, move |a| match geohash_box(&text(&a[0])) {
                    Some(b) if polygon => rectangle(b),
                    Some((w, s, e, n)) => geo_point((w + e) / 2.0, (s + n) / 2.0),
                    None => Value::Null,
                })
            }),
        "geo_geohash_neighbors" => sig(name, args, 1, 1, &[Str]).and_then(|_| {
            pure(Type::Dynamic, |a| {
                let h = text(&a[0]);
                match geohash_box(&h) {
                    Some(b) => strings(geohash_neighbors(b, h.len())),
                    None => Value::Null,
                }
            })
        }),
        "geo_point_to_s2cell" => sig(name, args, 2, 3, &[Num, Num, Integer]).and_then(|_| {
            pure(Type::String, |a| {
                match (point(&a[0], &a[1]), level(a.get(2), 11, 0, 30)) {
                    (Some((lng, lat)), Some(l)) => {
                        let id = CellID::from(S2LatLng::from_degrees(lat, lng));
                        Value::str(&id.parent(l as u64).to_token())
                    }
                    _ => Value::empty_str(),
                }
            })
        }),
        "geo_s2cell_to_central_point" | "geo_s2cell_to_polygon" | "geo_s2cell_neighbors" => {
            sig(name, args, 1, 1, &[Str]).and_then(|_| {
                let which = name.to_string();
                pure(Type::Dynamic, move |a| {
                    let Some(id) = s2_cell(&text(&a[0])) else {
                        return Value::Null;
                    };
                    match which.as_str() {
                        "geo_s2cell_to_central_point" => {
                            let (lng, lat) = s2_degrees(&S2Point(id.raw_point().normalize()));
                            geo_point(lng, lat)
                        }
                        "geo_s2cell_to_polygon" => {
                            let cell = S2Cell::from(id);
                            let ring = (0..4).map(|k| s2_degrees(&cell.vertex(k))).collect();
                            polygon(ring)
                        }
                        _ => {
                            let mut n: Vec<String> = id
                                .all_neighbors(id.level())
                                .into_iter()
                                .map(|c| c.to_token())
                                .collect();
                            n.dedup();
                            strings(n)
                        }
                    }
                })
            })
        }
        "geo_point_to_h3cell" => sig(name, args, 2, 3, &[Num, Num, Integer]).and_then(|_| {
            pure(Type::String, |a| {
                let res =
                    level(a.get(2), 6, 0, 15).and_then(|r| h3o::Resolution::try_from(r as u8).ok());
                match (point(&a[0], &a[1]), res) {
                    (Some((lng, lat)), Some(r)) => match h3o::LatLng::new(lat, lng) {
                        Ok(ll) => Value::str(&ll.to_cell(r).to_string()),
                        Err(_) => Value::empty_str(),
                    },
                    _ => Value::empty_str(),
                }
            })
        }),
        "geo_h3cell_to_central_point" | "geo_h3cell_to_polygon" | "geo_h3cell_neighbors" => {
            sig(name, args, 1, 1, &[Str]).and_then(|_| {
                let which = name.to_string();
                pure(Type::Dynamic, move |a| {
                    let Some(c) = h3_cell(&text(&a[0])) else {
                        return Value::Null;
                    };
                    match which.as_str() {
                        "geo_h3cell_to_central_point" => {
                            let ll = h3o::LatLng::from(c);
                            geo_point(ll.lng(), ll.lat())
                        }
                        "geo_h3cell_to_polygon" => {
                            let ring = c.boundary().iter().map(|ll| (ll.lng(), ll.lat())).collect();
                            polygon(ring)
                        }
                        // The neighbors in direction order (the order of the cell's
                        // edges), as the engine lists them.
                        _ => strings(c.edges().map(|e| e.destination().to_string()).collect()),
                    }
                })
            })
        }
        "geo_h3cell_level" => sig(name, args, 1, 1, &[Str]).and_then(|_| {
            pure(Type::Int, |a| match h3_cell(&text(&a[0])) {
                Some(c) => Value::Int(u8::from(c.resolution()) as i32),
                None => Value::Null,
            })
        }),
        "geo_h3cell_parent" => sig(name, args, 1, 2, &[Str, Integer]).and_then(|_| {
            pure(Type::String, |a| {
                let Some(c) = h3_cell(&text(&a[0])) else {
                    return Value::empty_str();
                };
                let own = u8::from(c.resolution()) as i64;
                let target = match a.get(1) {
                    None | Some(Value::Null) => own - 1,
                    Some(v) => num_i64(v).unwrap_or(-1),
                };
                match resolution(target)
                    .filter(|_| target < own)
                    .and_then(|r| c.parent(r))
                {
                    Some(p) => Value::str(&p.to_string()),
                    None => Value::empty_str(),
                }
            })
        }),
        "geo_h3cell_children" => sig(name, args, 1, 2, &[Str, Integer]).and_then(|_| {
            pure(Type::Dynamic, |a| {
                let Some(c) = h3_cell(&text(&a[0])) else {
                    return Value::Null;
                };
                let own = u8::from(c.resolution()) as i64;
                let target = match a.get(1) {
                    None | Some(Value::Null) => own + 1,
                    Some(v) => num_i64(v).unwrap_or(-1),
                };
                // Kusto refuses more than 5 levels down (7^5 children): null.
                match resolution(target).filter(|_| target > own && target - own <= 5) {
                    Some(r) => strings(c.children(r).map(|k| k.to_string()).collect()),
                    None => Value::Null,
                }
            })
        }),
        "geo_from_wkt" => sig(name, args, 1, 1, &[Str]).and_then(|_| {
            pure(Type::Dynamic, |a| {
                from_wkt(&text(&a[0])).unwrap_or(Value::Null)
            })
        }),
        "geo_h3cell_rings" => sig(name, args, 2, 2, &[Str, Integer]).and_then(|_| {
            pure(Type::Dynamic, |a| {
                let (Some(c), Some(k)) = (h3_cell(&text(&a[0])), num_i64(&a[1])) else {
                    return Value::Null;
                };
                if !(0..=200).contains(&k) {
                    return Value::Null;
                }
                let mut rings: Vec<Vec<String>> = vec![Vec::new(); k as usize + 1];
                for (cell, d) in c.grid_disk_distances::<Vec<_>>(k as u32) {
                    rings[d as usize].push(cell.to_string());
                }
                Value::array(rings.into_iter().map(strings).collect())
            })
        }),
        _ => return None,
    })
}

/// Checks a `use_spheroid` argument at `i`: the spheroid's measures are not built, so
/// only an absent, constant false or null one (the sphere, the default) binds.
fn sphere_only(name: &str, args: &[ArgInfo], i: usize) -> Result<(), FnError> {
    match args.get(i) {
        Some(a) if !matches!(a.constant, Some(Value::Bool(false) | Value::Null)) => {
            Err(FnError::UnsupportedArg(
                i,
                format!("{name}(..., use_spheroid) other than a constant false"),
            ))
        }
        _ => Ok(()),
    }
}

/// Whether unit vectors `a` and `b` are antipodes: no one shortest geodesic joins them,
/// so an edge between them is invalid.
fn antipodal(a: &Vector, b: &Vector) -> bool {
    a.cross(b).norm() < 4.0 * f64::EPSILON && a.dot(b) < 0.0
}

/// (longitude, latitude) in degrees, when both are valid.
fn point(lng: &Value, lat: &Value) -> Option<(f64, f64)> {
    let p = (num_f64(lng)?, num_f64(lat)?);
    in_range(p).then_some(p)
}

/// Whether longitude and latitude are in their ranges (NaN is in neither).
fn in_range((lng, lat): (f64, f64)) -> bool {
    (-180.0..=180.0).contains(&lng) && (-90.0..=90.0).contains(&lat)
}

/// An optional level argument: the default when absent, None when out of range.
fn level(v: Option<&Value>, default: i64, min: i64, max: i64) -> Option<i64> {
    let l = match v {
        None => default,
        Some(v) => num_i64(v)?,
    };
    (min..=max).contains(&l).then_some(l)
}

/// The haversine great-circle distance in meters.
fn distance((lng1, lat1): (f64, f64), (lng2, lat2): (f64, f64)) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lng2 - lng1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS * h.sqrt().min(1.0).asin()
}

/// The initial bearing from p to q in radians, clockwise from north, in [0, 2π).
fn azimuth((lng1, lat1): (f64, f64), (lng2, lat2): (f64, f64)) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dl = (lng2 - lng1).to_radians();
    let y = dl.sin() * p2.cos();
    let x = p1.cos() * p2.sin() - p1.sin() * p2.cos() * dl.cos();
    y.atan2(x).rem_euclid(std::f64::consts::TAU)
}

/// The points of a GeoJSON line's coordinates; None unless every one is valid and
/// there are at least two.
fn line_points(coords: &Value) -> Option<Vec<(f64, f64)>> {
    let Value::Array(items) = coords else {
        return None;
    };
    let pts: Option<Vec<(f64, f64)>> = items
        .iter()
        .map(|p| match p {
            Value::Array(xy) if xy.len() == 2 => point(&xy[0], &xy[1]),
            _ => None,
        })
        .collect();
    pts.filter(|p| p.len() >= 2)
}

/// The lines of a LineString or MultiLineString; None when it is neither, or a line
/// has fewer than two points or an invalid one.
fn lines(line: &Value) -> Option<Vec<Vec<(f64, f64)>>> {
    one_or_many(line, "LineString", "MultiLineString", line_points)
}

/// The parts of a GeoJSON shape of type `one` (its coordinates, one part) or `many` (a
/// non-empty array of them), each read by `part`; None for any other shape or a part
/// `part` refuses.
fn one_or_many<T>(
    shape: &Value,
    one: &str,
    many: &str,
    part: impl Fn(&Value) -> Option<T>,
) -> Option<Vec<T>> {
    let Value::Bag(b) = shape else { return None };
    let coords = b.get("coordinates")?;
    match b.get("type")?.as_str()? {
        t if t == one => Some(vec![part(coords)?]),
        t if t == many => match coords {
            Value::Array(ps) if !ps.is_empty() => ps.iter().map(part).collect(),
            _ => None,
        },
        _ => None,
    }
}

/// The unit vector of a point given in degrees (as S2 makes it).
fn unit((lng, lat): (f64, f64)) -> Vector {
    S2Point::from(&S2LatLng::from_degrees(lat, lng)).0
}

/// The angle between two unit vectors, as atan2(|a×b|, a·b) (accurate at every size).
fn angle(a: &Vector, b: &Vector) -> f64 {
    a.angle(b).rad()
}

/// The point of the geodesic edge `a`-`b` (unit vectors) closest to `x`, and its angle
/// from `x`: the foot of `x` on the edge's great circle when it lies between the ends,
/// else the nearer end. None for an edge of antipodal ends (no one shortest edge).
fn closest_on_edge(x: &Vector, a: Vector, b: Vector) -> Option<(f64, Vector)> {
    if antipodal(&a, &b) {
        return None;
    }
    // The edge's normal as (b + a) × (b - a), twice a × b: for the short edges of
    // streets and parks, a × b of two nearly equal vectors loses digits this keeps (as
    // S2's robust cross product does); Kusto's closest points agree to 15 digits so.
    let n = (b + a).cross(&(b - a));
    let nn = n.norm();
    if nn > 0.0 {
        let n = n * (1.0 / nn);
        let foot = *x - n * x.dot(&n);
        if foot.norm() > 0.0 {
            let foot = foot.normalize();
            if a.cross(&foot).dot(&n) >= 0.0 && foot.cross(&b).dot(&n) >= 0.0 {
                return Some((angle(x, &foot), foot));
            }
        }
    }
    let (da, db) = (angle(x, &a), angle(x, &b));
    Some(if da <= db { (da, a) } else { (db, b) })
}

/// The point of a LineString or MultiLineString closest to the point (`lng`, `lat`):
/// its angle from the point (radians) and its (longitude, latitude); the first such
/// point along the lines on a tie. None when the point or the line is invalid (an edge
/// of antipodal ends included).
fn closest_on_line(lng: &Value, lat: &Value, line: &Value) -> Option<(f64, (f64, f64))> {
    let x = unit(point(lng, lat)?);
    let mut best: Option<(f64, Vector)> = None;
    for l in lines(line)? {
        for w in l.windows(2) {
            let (d, p) = closest_on_edge(&x, unit(w[0]), unit(w[1]))?;
            if best.is_none_or(|(b, _)| d < b) {
                best = Some((d, p));
            }
        }
    }
    let (d, p) = best?;
    Some((d, s2_degrees(&S2Point(p))))
}

/// The lines of a LineString or MultiLineString as unit vectors; None when it is
/// invalid, an edge of antipodal ends included (no one shortest geodesic).
fn unit_lines(line: &Value) -> Option<Vec<Vec<Vector>>> {
    let ls: Vec<Vec<Vector>> = (lines(line)?.iter())
        .map(|l| l.iter().map(|&p| unit(p)).collect())
        .collect();
    let bad_edge = |l: &Vec<Vector>| l.windows(2).any(|w| antipodal(&w[0], &w[1]));
    (!ls.iter().any(bad_edge)).then_some(ls)
}

/// The edges of a LineString or MultiLineString, as pairs of points (see
/// [`unit_lines`]).
fn edges(line: &Value) -> Option<Vec<(S2Point, S2Point)>> {
    let ls = unit_lines(line)?;
    Some(
        (ls.iter().flat_map(|l| l.windows(2)))
            .map(|w| (S2Point(w[0]), S2Point(w[1])))
            .collect(),
    )
}

/// Which way `a`, `b`, `c` turn: 1 counterclockwise, -1 clockwise, 0 when two of them are
/// one point or they lie on one great circle too closely to tell (S2's `robust_sign`).
fn turn(a: &S2Point, b: &S2Point, c: &S2Point) -> i8 {
    use s2::predicates::{robust_sign, Direction};
    match robust_sign(a, b, c) {
        Direction::CounterClockwise => 1,
        Direction::Clockwise => -1,
        Direction::Indeterminate => 0,
    }
}

/// Whether `x` lies on the geodesic edge `a`-`b`, given that it is on its great circle.
fn on_arc(a: &S2Point, b: &S2Point, x: &S2Point) -> bool {
    let (ab, ax, xb) = (angle(&a.0, &b.0), angle(&a.0, &x.0), angle(&x.0, &b.0));
    ax + xb <= ab + 1e-15
}

/// Whether the geodesic edges `a`-`b` and `c`-`d` meet: cross, or touch at a point (a
/// shared vertex, a vertex on the other edge, a common stretch). S2's crossing test
/// (`CrossingSign`) of the four orientations, with the orientations it leaves open (a
/// point on the other edge's great circle) settled by where that point lies.
fn edges_meet(a: &S2Point, b: &S2Point, c: &S2Point, d: &S2Point) -> bool {
    let s = turn;
    if a == c || a == d || b == c || b == d {
        return true;
    }
    let (acb, bda, cbd, dac) = (-s(a, b, c), s(a, b, d), -s(c, d, b), s(c, d, a));
    if acb == 0 || bda == 0 || cbd == 0 || dac == 0 {
        // A vertex on the other edge's great circle: they meet only at a vertex (an edge
        // meets another edge's great circle once, unless it lies on it).
        return (acb == 0 && on_arc(a, b, c))
            || (bda == 0 && on_arc(a, b, d))
            || (cbd == 0 && on_arc(c, d, b))
            || (dac == 0 && on_arc(c, d, a));
    }
    acb == bda && cbd == acb && dac == acb
}

/// Whether a line (its edges) meets a polygon of `polys`: a vertex inside it, or an edge
/// meeting one of its rings' edges.
fn line_meets_polygons(line: &[(S2Point, S2Point)], polys: &[Polygon]) -> bool {
    line.iter()
        .any(|(a, b)| in_polygons(polys, a) || in_polygons(polys, b))
        || ring_edges(polys).any(|(r, t)| line.iter().any(|(a, b)| edges_meet(a, b, r, t)))
}

/// The edges of a polygon's rings.
fn ring_edges(polys: &[Polygon]) -> impl Iterator<Item = (&S2Point, &S2Point)> {
    polys
        .iter()
        .flatten()
        .flat_map(|ring| (0..ring.len()).map(move |i| (&ring[i], &ring[(i + 1) % ring.len()])))
}

/// Whether a polygon of `x` and one of `y` meet: their rings' edges meet, or one's shell
/// has a vertex inside the other (one inside the other; inside a hole is not inside).
fn polygons_meet(x: &[Polygon], y: &[Polygon]) -> bool {
    let shell_in =
        |a: &[Polygon], b: &[Polygon]| a.iter().any(|p| p[0].iter().any(|v| in_polygons(b, v)));
    shell_in(x, y)
        || shell_in(y, x)
        || ring_edges(x).any(|(a, b)| ring_edges(y).any(|(c, d)| edges_meet(a, b, c, d)))
}

/// The one line of a LineString (or of a MultiLineString of one line), as unit
/// vectors (see [`unit_lines`]): these functions measure along a single line.
fn one_line(line: &Value) -> Option<Vec<Vector>> {
    let mut ls = unit_lines(line)?;
    (ls.len() == 1).then(|| ls.remove(0))
}

/// The point at angle `t` from `a` along the geodesic edge `a`-`b` (as S2's
/// `GetPointOnLine`: `a` turned toward `b` about the edge's normal). None for an edge of
/// antipodal ends.
fn along(a: &Vector, b: &Vector, t: f64) -> Option<Vector> {
    let n = (*b + *a).cross(&(*b - *a));
    if n.norm() < 8.0 * f64::EPSILON {
        return (a.dot(b) > 0.0).then_some(*a);
    }
    let dir = n.cross(a).normalize();
    Some((*a * t.cos() + dir * t.sin()).normalize())
}

/// The point at `fraction` of the line's length from its start (its last point for a
/// line of no length).
fn interpolate(l: &[Vector], fraction: f64) -> Option<Vector> {
    let lengths: Vec<f64> = l.windows(2).map(|w| angle(&w[0], &w[1])).collect();
    let mut left = fraction * lengths.iter().sum::<f64>();
    for (w, &len) in l.windows(2).zip(&lengths) {
        if left < len {
            return along(&w[0], &w[1], left);
        }
        left -= len;
    }
    // The end (or a line of no length): its last point.
    l.last().copied()
}

/// The fraction of the line's length from its start to its point closest to `x` (the
/// first such point on a tie; 0 for a line of no length).
fn locate(l: &[Vector], x: &Vector) -> Option<f64> {
    let (mut total, mut best): (f64, Option<(f64, f64)>) = (0.0, None);
    for w in l.windows(2) {
        let (d, p) = closest_on_edge(x, w[0], w[1])?;
        if best.is_none_or(|(b, _)| d < b) {
            best = Some((d, total + angle(&w[0], &p)));
        }
        total += angle(&w[0], &w[1]);
    }
    let (_, at) = best?;
    Some(if total > 0.0 {
        (at / total).min(1.0)
    } else {
        0.0
    })
}

/// The centroid of a LineString or MultiLineString: the sum of its edges' true centroids
/// (each toward the edge's midpoint, as long as twice the sine of half its angle: S2's
/// `TrueCentroid`), as a point. The lines' edges are added up as they are (as
/// [`line_length`] adds their lengths). None for an invalid line, an edge of antipodal
/// ends, or lines of no length (no direction to give).
fn line_centroid(line: &Value) -> Option<(f64, f64)> {
    let mut sum = Vector {
        x: 0.0,
        y: 0.0,
        z: 0.0,
    };
    for l in unit_lines(line)? {
        for w in l.windows(2) {
            let (a, b) = (w[0], w[1]);
            sum = sum + (a + b) * ((a - b).norm2() / (a + b).norm2()).sqrt();
        }
    }
    (sum.norm() > 0.0).then(|| s2_degrees(&S2Point(sum.normalize())))
}

/// A polygon: its rings, the shell first, then its holes.
type Polygon = Vec<Ring>;

/// A ring's vertices as unit vectors, without the closing one, and the orientation of
/// each triangle of its fan (from the first vertex to the edge from vertex `i + 1`; see
/// [`in_ring`]): the same for every point asked about, so found once.
#[derive(Clone)]
struct Ring {
    v: Vec<S2Point>,
    /// 1 counterclockwise, -1 clockwise, 0 flat (an edge from the first vertex).
    fan: Vec<i8>,
}

impl Ring {
    fn new(v: Vec<S2Point>) -> Ring {
        let fan = (v.windows(2).skip(1))
            .map(|w| turn(&v[0], &w[0], &w[1]))
            .collect();
        Ring { v, fan }
    }
}

/// A ring reads as its vertices.
impl std::ops::Deref for Ring {
    type Target = [S2Point];
    fn deref(&self) -> &[S2Point] {
        &self.v
    }
}

/// The polygons of a call's polygon argument, read once when it is a constant: a literal
/// polygon (the usual case, and what the docs advise) is not read again for each row.
enum Fixed {
    Constant(Option<Vec<Polygon>>),
    PerRow,
}

impl Fixed {
    fn of(arg: &ArgInfo) -> Fixed {
        match arg.constant {
            Some(v) => Fixed::Constant(polygons(v)),
            None => Fixed::PerRow,
        }
    }

    /// The polygons of the argument's value `v`.
    fn get<'a>(&'a self, v: &Value) -> Option<std::borrow::Cow<'a, [Polygon]>> {
        match self {
            Fixed::Constant(p) => p.as_deref().map(std::borrow::Cow::Borrowed),
            Fixed::PerRow => polygons(v).map(std::borrow::Cow::Owned),
        }
    }
}

/// The polygons of a Polygon or MultiPolygon; None when it is neither, a ring is
/// invalid (see [`ring`]) or a polygon's rings cross.
fn polygons(v: &Value) -> Option<Vec<Polygon>> {
    let polygon = |rings: &Value| -> Option<Polygon> {
        match rings {
            Value::Array(rs) if !rs.is_empty() => {
                let rings: Polygon = rs.iter().map(ring).collect::<Option<_>>()?;
                (!rings_cross(&rings)).then_some(rings)
            }
            _ => None,
        }
    };
    one_or_many(v, "Polygon", "MultiPolygon", polygon)
}

/// Whether two edges of a polygon's rings cross, at a point inside both (the docs' rings
/// "must not cross"; they may share vertices). Pairs are compared past a test of boxes:
/// an edge lies within its ends' box widened by its sagitta (how far the arc bows from
/// its chord).
fn rings_cross(rings: &Polygon) -> bool {
    let edges: Vec<(&S2Point, &S2Point)> = ring_edges(std::slice::from_ref(rings)).collect();
    let boxes: Vec<[f64; 6]> = (edges.iter())
        .map(|(a, b)| {
            let bow = 1.0 - (angle(&a.0, &b.0) / 2.0).cos() + 1e-12;
            let (a, b) = (a.0, b.0);
            [
                a.x.min(b.x) - bow,
                a.y.min(b.y) - bow,
                a.z.min(b.z) - bow,
                a.x.max(b.x) + bow,
                a.y.max(b.y) + bow,
                a.z.max(b.z) + bow,
            ]
        })
        .collect();
    let overlap = |p: &[f64; 6], q: &[f64; 6]| (0..3).all(|k| p[k] <= q[k + 3] && q[k] <= p[k + 3]);
    let s = turn;
    // Sweep along x: edges in order of their boxes' low x, each compared only with the
    // next ones whose boxes start before its box ends (a country's border of thousands
    // of short edges is not compared pair by pair).
    let mut order: Vec<usize> = (0..edges.len()).collect();
    order.sort_by(|&i, &j| boxes[i][0].total_cmp(&boxes[j][0]));
    (0..order.len()).any(|k| {
        let i = order[k];
        (order[k + 1..].iter())
            .take_while(|&&j| boxes[j][0] <= boxes[i][3])
            .any(|&j| {
                let ((a, b), (c, d)) = (edges[i], edges[j]);
                if !overlap(&boxes[i], &boxes[j]) || a == c || a == d || b == c || b == d {
                    return false;
                }
                let acb = -s(a, b, c);
                acb != 0 && acb == s(a, b, d) && acb == -s(c, d, b) && acb == s(c, d, a)
            })
    })
}

/// A ring's vertices, the closing one dropped, as the docs define a valid ring: at
/// least four positions, the first equal to the last, the others distinct (so at least
/// three), every one a valid [longitude, latitude], and no edge between antipodes (an
/// edge has no one shortest geodesic then).
fn ring(coords: &Value) -> Option<Ring> {
    let pts = line_points(coords)?;
    if pts.len() < 4 || pts.first() != pts.last() {
        return None;
    }
    let vs: Vec<S2Point> = pts[..pts.len() - 1]
        .iter()
        .map(|&p| S2Point(unit(p)))
        .collect();
    let mut sorted = pts[..pts.len() - 1].to_vec();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    if sorted.windows(2).any(|w| w[0] == w[1]) {
        return None;
    }
    let n = vs.len();
    let bad_edge = (0..n).any(|i| antipodal(&vs[i].0, &vs[(i + 1) % n].0));
    (!bad_edge).then(|| Ring::new(vs))
}

/// Whether `p` is left of the directed edge `a`-`b` (counterclockwise of it, seen from
/// outside the sphere). On the edge's great circle, exactly one of `a`-`b` and `b`-`a`
/// holds it (the one whose start is the smaller point): where two triangles share an
/// edge, a point on it is in one of them.
fn left(a: &S2Point, b: &S2Point, p: &S2Point) -> bool {
    match turn(a, b, p) {
        0 => {
            let key = |v: &S2Point| (v.0.x, v.0.y, v.0.z);
            key(a) < key(b)
        }
        t => t > 0,
    }
}

/// Whether `p` is inside the smaller region `ring` bounds. Why this way: the triangles
/// from the first vertex to each edge, counted +1 when counterclockwise and -1 when
/// clockwise, add up at any point to the ring's winding there: 1 (or -1 for a clockwise
/// ring) inside the smaller region, 0 outside it, whichever way the ring turns, and
/// without the reference point a crossing count needs.
fn in_ring(ring: &Ring, p: &S2Point) -> bool {
    let v0 = &ring[0];
    let mut winding = 0i32;
    for (w, turn) in ring[1..].windows(2).zip(&ring.fan) {
        let (a, b) = (&w[0], &w[1]);
        match turn {
            1 if left(v0, a, p) && left(a, b, p) && left(b, v0, p) => winding += 1,
            -1 if left(v0, b, p) && left(b, a, p) && left(a, v0, p) => winding -= 1,
            _ => {}
        }
    }
    winding != 0
}

/// The area (steradians), boundary length (radians) and area-weighted centroid (not of
/// unit length) of the region `polys` bound, as S2 computes them (`S2Loop::GetArea`,
/// `GetCentroid`): each ring's fan of triangles from its first vertex, signed by their
/// turn, so the smaller region it bounds counts whichever its orientation; a hole's
/// counts against its shell. The region of a MultiPolygon is the union of its polygons:
/// their sums when no two meet; when two do, the union itself would be needed, which
/// is not built, so `None` (null).
struct Measures {
    area: f64,
    perimeter: f64,
    centroid: Vector,
}

fn measures(polys: &[Polygon]) -> Option<Measures> {
    // Pairs are compared past a test of their shells' boxes (a country's islands are
    // many polygons, most far apart).
    let boxes: Vec<[f64; 6]> = polys.iter().map(|p| shell_box(&p[0])).collect();
    let overlap = |p: &[f64; 6], q: &[f64; 6]| (0..3).all(|k| p[k] <= q[k + 3] && q[k] <= p[k + 3]);
    for (i, p) in polys.iter().enumerate() {
        let meets = (i + 1..polys.len()).any(|j| {
            overlap(&boxes[i], &boxes[j])
                && polygons_meet(std::slice::from_ref(p), std::slice::from_ref(&polys[j]))
        });
        if meets {
            return None;
        }
    }
    let mut m = Measures {
        area: 0.0,
        perimeter: 0.0,
        centroid: Vector {
            x: 0.0,
            y: 0.0,
            z: 0.0,
        },
    };
    for rings in polys {
        for (k, r) in rings.iter().enumerate() {
            let v0 = &r[0].0;
            let (mut area, mut centroid) = (
                0.0,
                Vector {
                    x: 0.0,
                    y: 0.0,
                    z: 0.0,
                },
            );
            for w in r[1..].windows(2) {
                let (a, b) = (&w[0].0, &w[1].0);
                let t = triangle_area(v0, a, b);
                let sign = match v0.cross(a).dot(b) >= 0.0 {
                    true => 1.0,
                    false => -1.0,
                };
                area += sign * t;
                centroid = centroid + true_centroid(v0, a, b);
            }
            // The smaller region, counterclockwise: a clockwise fan sums negative.
            let (area, centroid) = match area < 0.0 {
                true => (-area, centroid * -1.0),
                false => (area, centroid),
            };
            let hole = if k == 0 { 1.0 } else { -1.0 };
            m.area += hole * area;
            m.centroid = m.centroid + centroid * hole;
            let n = r.len();
            m.perimeter += (0..n)
                .map(|i| angle(&r[i].0, &r[(i + 1) % n].0))
                .sum::<f64>();
        }
    }
    Some(m)
}

/// A box of unit-vector coordinates holding the region a ring bounds: its vertices' box
/// widened by the most an edge bows from its chord (so it holds the edges), and holding
/// each of the six points where an axis meets the sphere that the region holds (where
/// the region reaches past its edges: a cap around a pole holds the pole, higher than
/// any of its edges).
fn shell_box(r: &Ring) -> [f64; 6] {
    let mut b = [f64::MAX, f64::MAX, f64::MAX, f64::MIN, f64::MIN, f64::MIN];
    let n = r.len();
    let mut bow: f64 = 0.0;
    for i in 0..n {
        let v = &r[i].0;
        for (k, x) in [v.x, v.y, v.z].into_iter().enumerate() {
            b[k] = b[k].min(x);
            b[k + 3] = b[k + 3].max(x);
        }
        bow = bow.max(1.0 - (angle(v, &r[(i + 1) % n].0) / 2.0).cos());
    }
    let bow = bow + 1e-12;
    for k in 0..3 {
        b[k] -= bow;
        b[k + 3] += bow;
    }
    for k in 0..3 {
        for sign in [1.0, -1.0] {
            let mut axis = [0.0; 3];
            axis[k] = sign;
            let p = S2Point(Vector {
                x: axis[0],
                y: axis[1],
                z: axis[2],
            });
            if in_ring(r, &p) {
                b[k] = b[k].min(sign);
                b[k + 3] = b[k + 3].max(sign);
            }
        }
    }
    b
}

/// A spherical triangle's area, by l'Huilier's theorem (accurate for small triangles).
fn triangle_area(a: &Vector, b: &Vector, c: &Vector) -> f64 {
    let (sa, sb, sc) = (angle(b, c), angle(c, a), angle(a, b));
    let s = 0.5 * (sa + sb + sc);
    let t =
        (0.5 * s).tan() * (0.5 * (s - sa)).tan() * (0.5 * (s - sb)).tan() * (0.5 * (s - sc)).tan();
    4.0 * t.max(0.0).sqrt().atan()
}

/// A spherical triangle's true centroid times its area (S2's `TrueCentroid`): the
/// solution `m` of `[a; b; c] m = det(a, b, c) / 2 * [ra, rb, rc]`, each `r` an edge's
/// angle over its sine, with `a` taken from the other rows for precision.
fn true_centroid(a: &Vector, b: &Vector, c: &Vector) -> Vector {
    let r = |x: f64| if x == 0.0 { 1.0 } else { x / x.sin() };
    let (ra, rb, rc) = (r(angle(b, c)), r(angle(c, a)), r(angle(a, b)));
    let x = Vector {
        x: a.x,
        y: b.x - a.x,
        z: c.x - a.x,
    };
    let y = Vector {
        x: a.y,
        y: b.y - a.y,
        z: c.y - a.y,
    };
    let z = Vector {
        x: a.z,
        y: b.z - a.z,
        z: c.z - a.z,
    };
    let rv = Vector {
        x: ra,
        y: rb - ra,
        z: rc - ra,
    };
    Vector {
        x: 0.5 * y.cross(&z).dot(&rv),
        y: 0.5 * z.cross(&x).dot(&rv),
        z: 0.5 * x.cross(&y).dot(&rv),
    }
}

/// Whether a polygon of `polys` holds `p`: inside its shell and in none of its holes.
fn in_polygons(polys: &[Polygon], p: &S2Point) -> bool {
    polys
        .iter()
        .any(|rings| in_ring(&rings[0], p) && !rings[1..].iter().any(|hole| in_ring(hole, p)))
}

/// The point of the polygons `polys` closest to the point (`lng`, `lat`): the point
/// itself (at angle 0) when a polygon holds it, else the closest point of the rings'
/// edges, the first on a tie. None when the point or a polygon is invalid.
fn closest_on_polygon(
    lng: &Value,
    lat: &Value,
    polys: Option<&[Polygon]>,
) -> Option<(f64, (f64, f64))> {
    let at = point(lng, lat)?;
    let polys = polys?;
    let x = S2Point(unit(at));
    if in_polygons(polys, &x) {
        return Some((0.0, at));
    }
    let mut best: Option<(f64, Vector)> = None;
    for ring in polys.iter().flatten() {
        for (i, a) in ring.iter().enumerate() {
            let b = &ring[(i + 1) % ring.len()];
            let (d, p) = closest_on_edge(&x.0, a.0, b.0)?;
            if best.is_none_or(|(b, _)| d < b) {
                best = Some((d, p));
            }
        }
    }
    let (d, p) = best?;
    Some((d, s2_degrees(&S2Point(p))))
}

/// The length in meters of a LineString or MultiLineString: the sum of its edges'
/// angles as S2 measures them (atan2(|a×b|, a·b) of the unit vectors: the docs'
/// digits, where the haversine of `distance` is off in the 13th). A line with an edge
/// between antipodal points is invalid (an edge must be shorter than 180 degrees).
fn line_length(line: &Value) -> Option<f64> {
    Some(
        (unit_lines(line)?.iter())
            .flat_map(|l| l.windows(2).map(|w| EARTH_RADIUS * angle(&w[0], &w[1])))
            .sum(),
    )
}

fn strings(items: Vec<String>) -> Value {
    Value::array(items.iter().map(|s| Value::str(s)).collect())
}

fn coordinate(lng: f64, lat: f64) -> Value {
    Value::array(vec![Value::Real(lng), Value::Real(lat)])
}

fn geo_point(lng: f64, lat: f64) -> Value {
    let mut b = Bag::default();
    b.insert(Arc::from("type"), Value::str("Point"));
    b.insert(Arc::from("coordinates"), coordinate(lng, lat));
    Value::bag(b)
}

/// A GeoJSON polygon of one ring (closed here).
fn polygon(mut ring: Vec<(f64, f64)>) -> Value {
    if let Some(first) = ring.first().copied() {
        ring.push(first);
    }
    let mut b = Bag::default();
    b.insert(Arc::from("type"), Value::str("Polygon"));
    b.insert(
        Arc::from("coordinates"),
        Value::array(vec![Value::array(
            ring.into_iter().map(|(x, y)| coordinate(x, y)).collect(),
        )]),
    );
    Value::bag(b)
}

// ---------------------------------------------------------------------------------
// WKT

/// The GeoJSON shape of a Well-known text (`geo_from_wkt`). None, as for any invalid
/// or unsupported text, when it is not WKT, when a part is EMPTY or has Z or M
/// coordinates (a GeoJSON shape here is [longitude, latitude]), or when it breaks the
/// shapes' constraints: a coordinate out of range, a line of fewer than two points, a
/// ring of fewer than four or not closed.
fn from_wkt(text: &str) -> Option<Value> {
    use std::str::FromStr;
    // (The reader stops where the geometry ends: what follows is checked here.)
    wkt_ends(text).then_some(())?;
    wkt_shape(&wkt::Wkt::<f64>::from_str(text.trim()).ok()?)
}

/// Whether only blanks follow the parenthesis that closes the text's first one (an
/// EMPTY shape, which has none, is null anyway).
fn wkt_ends(text: &str) -> bool {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' if depth == 1 => return text[i + 1..].trim().is_empty(),
            ')' if depth == 0 => return false,
            ')' => depth -= 1,
            _ => {}
        }
    }
    false
}

fn wkt_shape(w: &wkt::Wkt<f64>) -> Option<Value> {
    use wkt::Wkt as W;
    if w.dimension() != wkt::types::Dimension::XY {
        return None;
    }
    let all = |items: Vec<Option<Value>>| -> Option<Value> {
        let items: Vec<Value> = items.into_iter().collect::<Option<_>>()?;
        (!items.is_empty()).then(|| Value::array(items))
    };
    let point = |p: &wkt::types::Point<f64>| wkt_coord(p.coord()?);
    let (kind, value) = match w {
        W::Point(p) => ("Point", point(p)?),
        W::LineString(l) => ("LineString", wkt_line(l, 2)?),
        W::Polygon(p) => ("Polygon", wkt_polygon(p)?),
        W::MultiPoint(m) => ("MultiPoint", all(m.points().iter().map(point).collect())?),
        W::MultiLineString(m) => {
            let lines = m.line_strings().iter().map(|l| wkt_line(l, 2));
            ("MultiLineString", all(lines.collect())?)
        }
        W::MultiPolygon(m) => (
            "MultiPolygon",
            all(m.polygons().iter().map(wkt_polygon).collect())?,
        ),
        W::GeometryCollection(g) => {
            let shapes = g.geometries().iter().map(wkt_shape);
            ("GeometryCollection", all(shapes.collect())?)
        }
    };
    // (A collection holds shapes, every other type coordinates.)
    let key = match w {
        W::GeometryCollection(_) => "geometries",
        _ => "coordinates",
    };
    let mut b = Bag::default();
    b.insert(Arc::from("type"), Value::str(kind));
    b.insert(Arc::from(key), value);
    Some(Value::bag(b))
}

fn wkt_coord(c: &wkt::types::Coord<f64>) -> Option<Value> {
    in_range((c.x, c.y)).then(|| coordinate(c.x, c.y))
}

/// A line's coordinates, when it has at least `min` points.
fn wkt_line(l: &wkt::types::LineString<f64>, min: usize) -> Option<Value> {
    let c = l.coords();
    (c.len() >= min).then_some(())?;
    Some(Value::array(
        c.iter().map(wkt_coord).collect::<Option<_>>()?,
    ))
}

/// A polygon's rings: each closed, of at least four points.
fn wkt_polygon(p: &wkt::types::Polygon<f64>) -> Option<Value> {
    let rings = p.rings();
    let closed = |l: &wkt::types::LineString<f64>| {
        let c = l.coords();
        c.first().map(|f| (f.x, f.y)) == c.last().map(|l| (l.x, l.y))
    };
    (!rings.is_empty() && rings.iter().all(closed)).then_some(())?;
    Some(Value::array(
        rings
            .iter()
            .map(|r| wkt_line(r, 4))
            .collect::<Option<_>>()?,
    ))
}

// ---------------------------------------------------------------------------------
// Geohash

const BASE32: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";

fn geohash(lng: f64, lat: f64, len: i64) -> String {
    let (mut lo_lng, mut hi_lng, mut lo_lat, mut hi_lat) = (-180.0, 180.0, -90.0, 90.0);
    let mut out = String::new();
    let mut even = true;
    let (mut bits, mut ch) = (0, 0usize);
    while out.len() < len as usize {
        if even {
            let mid = (lo_lng + hi_lng) / 2.0;
            if lng >= mid {
                ch = ch * 2 + 1;
                lo_lng = mid;
            } else {
                ch *= 2;
                hi_lng = mid;
            }
        } else {
            let mid = (lo_lat + hi_lat) / 2.0;
            if lat >= mid {
                ch = ch * 2 + 1;
                lo_lat = mid;
            } else {
                ch *= 2;
                hi_lat = mid;
            }
        }
        even = !even;
        bits += 1;
        if bits == 5 {
            out.push(BASE32[ch] as char);
            bits = 0;
            ch = 0;
        }
    }
    out
}

/// The (west, south, east, north) box of a geohash; None when invalid.
fn geohash_box(h: &str) -> Option<(f64, f64, f64, f64)> {
    if h.is_empty() || h.len() > 18 {
        return None;
    }
    let (mut w, mut e, mut s, mut n) = (-180.0, 180.0, -90.0, 90.0);
    let mut even = true;
    for c in h.bytes() {
        let v = BASE32.iter().position(|b| *b == c.to_ascii_lowercase())?;
        for bit in (0..5).rev() {
            let on = v >> bit & 1 == 1;
            if even {
                let mid = (w + e) / 2.0;
                if on {
                    w = mid
                } else {
                    e = mid
                }
            } else {
                let mid = (s + n) / 2.0;
                if on {
                    s = mid
                } else {
                    n = mid
                }
            }
            even = !even;
        }
    }
    Some((w, s, e, n))
}

fn rectangle((w, s, e, n): (f64, f64, f64, f64)) -> Value {
    polygon(vec![(w, s), (e, s), (e, n), (w, n)])
}

/// The geohashes of the same length around a box (longitudes wrap; none past a pole).
fn geohash_neighbors((w, s, e, n): (f64, f64, f64, f64), len: usize) -> Vec<String> {
    let (dw, dh) = (e - w, n - s);
    let (cx, cy) = ((w + e) / 2.0, (s + n) / 2.0);
    let mut out = Vec::new();
    for (dx, dy) in [
        (-1, -1),
        (0, -1),
        (1, -1),
        (-1, 0),
        (1, 0),
        (-1, 1),
        (0, 1),
        (1, 1),
    ] {
        let y = cy + dy as f64 * dh;
        if !(-90.0..=90.0).contains(&y) {
            continue;
        }
        let mut x = cx + dx as f64 * dw;
        if x > 180.0 {
            x -= 360.0;
        } else if x < -180.0 {
            x += 360.0;
        }
        let h = geohash(x, y, len as i64);
        if !out.contains(&h) {
            out.push(h);
        }
    }
    out
}

// ---------------------------------------------------------------------------------
// S2 and H3

/// An S2 cell from its token (1 to 16 hex digits).
fn s2_cell(token: &str) -> Option<CellID> {
    if token.is_empty() || token.len() > 16 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let id = CellID::from_token(token);
    id.is_valid().then_some(id)
}

fn s2_degrees(p: &S2Point) -> (f64, f64) {
    let ll = S2LatLng::from(p);
    (ll.lng.deg(), ll.lat.deg())
}

fn h3_cell(token: &str) -> Option<h3o::CellIndex> {
    token.parse().ok()
}

fn resolution(r: i64) -> Option<h3o::Resolution> {
    u8::try_from(r)
        .ok()
        .and_then(|r| h3o::Resolution::try_from(r).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use s2::predicates::{robust_sign, Direction};

    /// Numbers in [0, 1) from xorshift64 seeded with `x`: the same draws on every run.
    fn uniform(mut x: u64) -> impl FnMut() -> f64 {
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// How many of a random test's cases came out true and false: a test asserts
    /// both were met often, so that neither answer went untried.
    #[derive(Default)]
    struct Tally {
        yes: usize,
        no: usize,
    }

    impl Tally {
        fn add(&mut self, answer: bool) {
            match answer {
                true => self.yes += 1,
                false => self.no += 1,
            }
        }

        fn assert_at_least(&self, yes: usize, no: usize) {
            assert!(
                self.yes > yes && self.no > no,
                "{} true, {} false",
                self.yes,
                self.no
            );
        }
    }

    /// Whether the geodesic from `r` (outside the ring) to `p` crosses the ring's edges an
    /// odd number of times: the textbook test, against which the winding of `in_ring`
    /// is checked. None when a point lies on a line of the test (no clear answer).
    fn crossings_odd(ring: &[S2Point], r: &S2Point, p: &S2Point) -> Option<bool> {
        let sign = |a, b, c| match robust_sign(a, b, c) {
            Direction::Indeterminate => None,
            d => Some(d == Direction::CounterClockwise),
        };
        let mut odd = false;
        for (i, a) in ring.iter().enumerate() {
            let b = &ring[(i + 1) % ring.len()];
            if sign(a, b, r)? != sign(a, b, p)? && sign(r, p, a)? != sign(r, p, b)? {
                odd = !odd;
            }
        }
        Some(odd)
    }

    /// A star-shaped ring around (`lng`, `lat`): `k` vertices at increasing angles, at
    /// distances (degrees) drawn by `radius`.
    fn star(lng: f64, lat: f64, k: usize, mut radius: impl FnMut() -> f64) -> Vec<S2Point> {
        (0..k)
            .map(|j| {
                let t = std::f64::consts::TAU * j as f64 / k as f64;
                let r = radius();
                S2Point(unit((
                    lng + r * t.cos() / lat.to_radians().cos(),
                    lat + r * t.sin(),
                )))
            })
            .collect()
    }

    #[test]
    fn rings_hold_what_a_crossing_count_finds_whichever_way_they_turn() {
        let mut next = uniform(0x2545_f491_4f6c_dd1du64);
        let mut tally = Tally::default();
        for _ in 0..300 {
            let (lng, lat) = (-170.0 + 340.0 * next(), -60.0 + 120.0 * next());
            let k = 3 + (next() * 10.0) as usize;
            let ring = Ring::new(star(lng, lat, k, || 0.1 + 1.9 * next()));
            let reversed = Ring::new(ring.iter().rev().copied().collect());
            // Five degrees east: farther than any vertex.
            let r = S2Point(unit((lng + 5.0 / lat.to_radians().cos(), lat)));
            for _ in 0..40 {
                let p = (
                    lng + (4.0 * next() - 2.0) / lat.to_radians().cos(),
                    lat + 4.0 * next() - 2.0,
                );
                let p = S2Point(unit(p));
                let Some(want) = crossings_odd(&ring, &r, &p) else {
                    continue;
                };
                assert_eq!(in_ring(&ring, &p), want, "{lng} {lat} {k}");
                assert_eq!(in_ring(&reversed, &p), want, "{lng} {lat} {k} reversed");
                tally.add(want);
            }
        }
        // Both answers were asked for, many times.
        tally.assert_at_least(1000, 1000);
    }

    #[test]
    fn a_line_locates_the_points_it_interpolates() {
        // Random lines of 2 to 9 points within a few degrees: the point at a fraction of
        // the line is located at that fraction, and it lies on the line (0 m from it).
        let mut next = uniform(0x9e37_79b9_7f4a_7c15u64);
        for _ in 0..500 {
            let (lng, lat) = (-170.0 + 340.0 * next(), -70.0 + 140.0 * next());
            let n = 2 + (next() * 8.0) as usize;
            let line: Vec<Vector> = (0..n)
                .map(|_| unit((lng + 4.0 * next(), lat + 4.0 * next())))
                .collect();
            let f = next();
            let p = interpolate(&line, f).unwrap();
            let back = locate(&line, &p).unwrap();
            assert!((back - f).abs() < 1e-9, "{f} located at {back}");
            let off = (line.windows(2))
                .map(|w| closest_on_edge(&p, w[0], w[1]).unwrap().0)
                .fold(f64::INFINITY, f64::min);
            assert!(EARTH_RADIUS * off < 1e-6, "{f}: {off} off the line");
        }
        let two = [unit((0.0, 0.0)), unit((10.0, 0.0))];
        let mid = s2_degrees(&S2Point(interpolate(&two, 0.5).unwrap()));
        assert!(
            (mid.0 - 5.0).abs() < 1e-12 && mid.1.abs() < 1e-12,
            "{mid:?}"
        );
    }

    #[test]
    fn edges_meet_where_their_gnomonic_images_do() {
        // The gnomonic projection maps geodesics to straight lines: random edges within a
        // few degrees meet exactly when their images, plane segments, do (pairs too close
        // to touching to tell are left out).
        let mut next = uniform(0x1234_5678_9abc_def1u64);
        let mut tally = Tally::default();
        for _ in 0..20_000 {
            let (lng, lat) = (-170.0 + 340.0 * next(), -70.0 + 140.0 * next());
            let c = unit((lng, lat));
            let e1 = c
                .cross(&Vector {
                    x: 0.0,
                    y: 0.0,
                    z: 1.0,
                })
                .normalize();
            let e2 = c.cross(&e1);
            let mut pt = || unit((lng + 3.0 * next(), lat + 3.0 * next()));
            let [a, b, p, q] = [pt(), pt(), pt(), pt()];
            let flat = |v: &Vector| (v.dot(&e1) / v.dot(&c), v.dot(&e2) / v.dot(&c));
            let orient = |o: (f64, f64), u: (f64, f64), w: (f64, f64)| {
                (u.0 - o.0) * (w.1 - o.1) - (u.1 - o.1) * (w.0 - o.0)
            };
            let (fa, fb, fp, fq) = (flat(&a), flat(&b), flat(&p), flat(&q));
            let o = [
                orient(fa, fb, fp),
                orient(fa, fb, fq),
                orient(fp, fq, fa),
                orient(fp, fq, fb),
            ];
            if o.iter().any(|v| v.abs() < 1e-9) {
                continue;
            }
            let want = (o[0] > 0.0) != (o[1] > 0.0) && (o[2] > 0.0) != (o[3] > 0.0);
            let got = edges_meet(&S2Point(a), &S2Point(b), &S2Point(p), &S2Point(q));
            assert_eq!(got, want, "{lng} {lat}");
            tally.add(want);
        }
        tally.assert_at_least(1000, 1000);
    }

    #[test]
    fn rings_cross_as_every_pair_of_their_edges_says() {
        // Rings of random vertices (which mostly cross themselves) and star rings (which
        // never do): the sweep finds a crossing exactly when comparing every pair does.
        let mut next = uniform(0x0f1e_2d3c_4b5a_6978);
        let mut tally = Tally::default();
        for k in 0..2000 {
            let (lng, lat) = (-170.0 + 340.0 * next(), -70.0 + 140.0 * next());
            let n = 3 + (next() * 12.0) as usize;
            let ring = match k % 2 {
                0 => (0..n)
                    .map(|_| S2Point(unit((lng + 3.0 * next(), lat + 3.0 * next()))))
                    .collect(),
                _ => star(lng, lat, n, || 0.5 + next()),
            };
            let rings = vec![Ring::new(ring)];
            let edges: Vec<_> = ring_edges(std::slice::from_ref(&rings)).collect();
            let every_pair = (0..edges.len()).any(|i| {
                (i + 1..edges.len()).any(|j| {
                    let ((a, b), (c, d)) = (edges[i], edges[j]);
                    let shared = a == c || a == d || b == c || b == d;
                    !shared && edges_meet(a, b, c, d)
                })
            });
            assert_eq!(rings_cross(&rings), every_pair, "{lng} {lat} {n}");
            tally.add(every_pair);
        }
        tally.assert_at_least(300, 1000);
    }

    #[test]
    fn a_line_with_an_antipodal_edge_has_no_length() {
        let line = |coords: &str| {
            let v = crate::value::parse_json_text(&format!(
                r#"{{"type":"LineString","coordinates":{coords}}}"#
            ))
            .unwrap();
            line_length(&v)
        };
        // Half the equator in two edges, then in one (between antipodes: no one edge).
        let half = line("[[0,0],[90,0],[180,0]]").unwrap();
        assert!(
            (half - std::f64::consts::PI * EARTH_RADIUS).abs() < 1e-6,
            "{half}"
        );
        assert_eq!(line("[[0,0],[180,0]]"), None);
        assert_eq!(line("[[10,20],[-170,-20]]"), None);
        assert!(line("[[10,20],[-170,-19.9]]").is_some());
    }

    #[test]
    fn wkt_gives_a_shape_only_for_what_geojson_shapes_hold() {
        let shape = |t: &str| from_wkt(t).map(|v| crate::value::to_json(&v).to_string());
        assert_eq!(
            shape(" point (1.5 -2e1) ").as_deref(),
            Some(r#"{"type":"Point","coordinates":[1.5,-20.0]}"#)
        );
        assert_eq!(
            shape("MULTIPOINT ((1 1), (2 2))").as_deref(),
            Some(r#"{"type":"MultiPoint","coordinates":[[1.0,1.0],[2.0,2.0]]}"#)
        );
        for bad in [
            "",
            "LINESTRING",
            "POINT (1 2) junk",
            "POINT (1 2))",
            "POINT ((1 2)",
            "POINT EMPTY",
            "LINESTRING EMPTY",
            "GEOMETRYCOLLECTION (POINT (1 1), POINT EMPTY)",
            "POINT Z (1 2 3)",
            "LINESTRING M (1 2 3, 4 5 6)",
            "POINT (200 2)",
            "POINT (2 -91)",
            "LINESTRING (1 2)",
            "POLYGON ((0 0, 2 0, 2 2, 0 1))",
            "POLYGON ((0 0, 2 0, 0 0))",
            "MULTIPOLYGON (((0 0, 2 0, 2 2, 0 0)), ((1 1, 2 2)))",
        ] {
            assert_eq!(shape(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_polygon_is_its_shell_less_its_holes() {
        // A shell of radius 2 degrees, a hole of radius 1 around the same center: points
        // by their distance from it (clear of both rings) are in, out, or in the hole.
        let (lng, lat) = (10.0, 50.0);
        let shell = Ring::new(star(lng, lat, 16, || 2.0));
        let hole = Ring::new(star(lng, lat, 12, || 1.0).into_iter().rev().collect());
        let polys = vec![vec![shell, hole]];
        for (d, want) in [
            (0.0, false),
            (0.5, false),
            (1.4, true),
            (1.8, true),
            (2.5, false),
        ] {
            for t in 0..8 {
                let t = t as f64 * 0.7;
                let p = (
                    lng + d * t.cos() / lat.to_radians().cos(),
                    lat + d * t.sin(),
                );
                assert_eq!(in_polygons(&polys, &S2Point(unit(p))), want, "{d} {t}");
            }
        }
    }
}
