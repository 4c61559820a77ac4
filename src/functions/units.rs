//! `convert_angle`, `convert_energy`, `convert_force`, `convert_length`, `convert_mass`,
//! `convert_speed`, `convert_temperature`, `convert_volume`: Kusto converts with the
//! UnitsNet library, so the unit names and factors here are UnitsNet's (one factor
//! per unit, to the quantity's base unit). An unknown unit gives null.

use super::{pure, sig, ArgInfo, Bound, Want};
use crate::types::Type;
use crate::value::Value;

pub(super) const NAMES: &[&str] = &[
    "convert_angle",
    "convert_energy",
    "convert_force",
    "convert_length",
    "convert_mass",
    "convert_speed",
    "convert_temperature",
    "convert_volume",
];

/// How one unit relates to the base unit: `base = x * a / b`, and back
/// `x = base * b / a` (UnitsNet's order of operations, so that results round as
/// Kusto's do: 1.2 m/s is 432000 cm/h, not 431999.99999999994); except for the
/// non-linear ones.
#[derive(Clone, Copy)]
enum Rule {
    Ratio(f64, f64),
    /// `base = x * a + b` (temperature scales).
    Affine(f64, f64),
    /// Angle given as sin(θ).
    Tilt,
}

const PI: f64 = std::f64::consts::PI;

const ANGLE: &[(&str, Rule)] = &[
    ("Degree", Rule::Ratio(1.0, 1.0)),
    ("Millidegree", Rule::Ratio(1e-3, 1.0)),
    ("Microdegree", Rule::Ratio(1e-6, 1.0)),
    ("Nanodegree", Rule::Ratio(1e-9, 1.0)),
    ("Radian", Rule::Ratio(180.0, PI)),
    ("Deciradian", Rule::Ratio(180.0 * 1e-1, PI)),
    ("Centiradian", Rule::Ratio(180.0 * 1e-2, PI)),
    ("Milliradian", Rule::Ratio(180.0 * 1e-3, PI)),
    ("Microradian", Rule::Ratio(180.0 * 1e-6, PI)),
    ("Nanoradian", Rule::Ratio(180.0 * 1e-9, PI)),
    ("Arcminute", Rule::Ratio(1.0, 60.0)),
    ("Arcsecond", Rule::Ratio(1.0, 3600.0)),
    ("Gradian", Rule::Ratio(0.9, 1.0)),
    ("NatoMil", Rule::Ratio(9.0, 160.0)),
    ("Revolution", Rule::Ratio(360.0, 1.0)),
    ("Tilt", Rule::Tilt),
];

const ENERGY: &[(&str, Rule)] = &[
    ("Joule", Rule::Ratio(1.0, 1.0)),
    ("Millijoule", Rule::Ratio(1e-3, 1.0)),
    ("Kilojoule", Rule::Ratio(1e3, 1.0)),
    ("Megajoule", Rule::Ratio(1e6, 1.0)),
    ("Gigajoule", Rule::Ratio(1e9, 1.0)),
    ("Calorie", Rule::Ratio(4.184, 1.0)),
    ("Kilocalorie", Rule::Ratio(4.184e3, 1.0)),
    ("Megacalorie", Rule::Ratio(4.184e6, 1.0)),
    ("BritishThermalUnit", Rule::Ratio(1055.05585262, 1.0)),
    ("KilobritishThermalUnit", Rule::Ratio(1055.05585262e3, 1.0)),
    ("MegabritishThermalUnit", Rule::Ratio(1055.05585262e6, 1.0)),
    ("GigabritishThermalUnit", Rule::Ratio(1055.05585262e9, 1.0)),
    ("ElectronVolt", Rule::Ratio(1.602176565e-19, 1.0)),
    ("KiloelectronVolt", Rule::Ratio(1.602176565e-16, 1.0)),
    ("MegaelectronVolt", Rule::Ratio(1.602176565e-13, 1.0)),
    ("GigaelectronVolt", Rule::Ratio(1.602176565e-10, 1.0)),
    ("TeraelectronVolt", Rule::Ratio(1.602176565e-7, 1.0)),
    ("FootPound", Rule::Ratio(1.355817948, 1.0)),
    ("Erg", Rule::Ratio(1e-7, 1.0)),
    ("WattHour", Rule::Ratio(3600.0, 1.0)),
    ("KilowattHour", Rule::Ratio(3600e3, 1.0)),
    ("MegawattHour", Rule::Ratio(3600e6, 1.0)),
    ("GigawattHour", Rule::Ratio(3600e9, 1.0)),
    ("TerawattHour", Rule::Ratio(3600e12, 1.0)),
    ("WattDay", Rule::Ratio(86400.0, 1.0)),
    ("KilowattDay", Rule::Ratio(86400e3, 1.0)),
    ("MegawattDay", Rule::Ratio(86400e6, 1.0)),
    ("GigawattDay", Rule::Ratio(86400e9, 1.0)),
    ("TerawattDay", Rule::Ratio(86400e12, 1.0)),
    ("ThermEc", Rule::Ratio(1.05505585262e8, 1.0)),
    ("DecathermEc", Rule::Ratio(1.05505585262e9, 1.0)),
    ("ThermUs", Rule::Ratio(1.054804e8, 1.0)),
    ("DecathermUs", Rule::Ratio(1.054804e9, 1.0)),
    ("ThermImperial", Rule::Ratio(1.05505585257348e8, 1.0)),
    ("DecathermImperial", Rule::Ratio(1.05505585257348e9, 1.0)),
    ("HorsepowerHour", Rule::Ratio(2.6845195377e6, 1.0)),
];

const FORCE: &[(&str, Rule)] = &[
    ("Newton", Rule::Ratio(1.0, 1.0)),
    ("Micronewton", Rule::Ratio(1e-6, 1.0)),
    ("Millinewton", Rule::Ratio(1e-3, 1.0)),
    ("Decanewton", Rule::Ratio(1e1, 1.0)),
    ("Kilonewton", Rule::Ratio(1e3, 1.0)),
    ("Meganewton", Rule::Ratio(1e6, 1.0)),
    ("Dyn", Rule::Ratio(1e-5, 1.0)),
    ("KilogramForce", Rule::Ratio(9.80665002864, 1.0)),
    ("TonneForce", Rule::Ratio(9.80665002864e3, 1.0)),
    ("KiloPond", Rule::Ratio(9.80665002864, 1.0)),
    ("Poundal", Rule::Ratio(0.138_255_027_989_730_4, 1.0)),
    ("PoundForce", Rule::Ratio(4.448_221_615_260_51, 1.0)),
    ("KilopoundForce", Rule::Ratio(4.448_221_615_260_51e3, 1.0)),
    ("OunceForce", Rule::Ratio(2.780138509537812e-1, 1.0)),
    ("ShortTonForce", Rule::Ratio(8.896443230521e3, 1.0)),
];

const LENGTH: &[(&str, Rule)] = &[
    ("Meter", Rule::Ratio(1.0, 1.0)),
    ("Nanometer", Rule::Ratio(1e-9, 1.0)),
    ("Micrometer", Rule::Ratio(1e-6, 1.0)),
    ("Millimeter", Rule::Ratio(1e-3, 1.0)),
    ("Centimeter", Rule::Ratio(1e-2, 1.0)),
    ("Decimeter", Rule::Ratio(1e-1, 1.0)),
    ("Decameter", Rule::Ratio(1e1, 1.0)),
    ("Hectometer", Rule::Ratio(1e2, 1.0)),
    ("Kilometer", Rule::Ratio(1e3, 1.0)),
    ("Angstrom", Rule::Ratio(1e-10, 1.0)),
    ("AstronomicalUnit", Rule::Ratio(1.4959787070e11, 1.0)),
    ("Chain", Rule::Ratio(20.1168, 1.0)),
    ("DataMile", Rule::Ratio(1828.8, 1.0)),
    ("DtpPica", Rule::Ratio(1.0, 236.220472441)),
    ("DtpPoint", Rule::Ratio(2.54e-2, 72.0)),
    ("Fathom", Rule::Ratio(1.8288, 1.0)),
    ("Foot", Rule::Ratio(0.3048, 1.0)),
    ("Hand", Rule::Ratio(1.016e-1, 1.0)),
    ("Inch", Rule::Ratio(2.54e-2, 1.0)),
    ("LightYear", Rule::Ratio(9.46073047258e15, 1.0)),
    ("KilolightYear", Rule::Ratio(9.46073047258e18, 1.0)),
    ("MegalightYear", Rule::Ratio(9.46073047258e21, 1.0)),
    ("Parsec", Rule::Ratio(3.08567758128e16, 1.0)),
    ("Kiloparsec", Rule::Ratio(3.08567758128e19, 1.0)),
    ("Megaparsec", Rule::Ratio(3.08567758128e22, 1.0)),
    ("Microinch", Rule::Ratio(2.54e-8, 1.0)),
    ("Mil", Rule::Ratio(2.54e-5, 1.0)),
    ("Mile", Rule::Ratio(1609.34, 1.0)),
    ("NauticalMile", Rule::Ratio(1852.0, 1.0)),
    ("PrinterPica", Rule::Ratio(1.0, 237.106301584)),
    ("PrinterPoint", Rule::Ratio(2.54e-2, 72.27)),
    ("Shackle", Rule::Ratio(27.432, 1.0)),
    ("SolarRadius", Rule::Ratio(6.95510000e8, 1.0)),
    ("Twip", Rule::Ratio(1.0, 56692.913385826)),
    ("UsSurveyFoot", Rule::Ratio(1200.0, 3937.0)),
    ("Yard", Rule::Ratio(0.9144, 1.0)),
];

const MASS: &[(&str, Rule)] = &[
    ("Kilogram", Rule::Ratio(1.0, 1.0)),
    ("Gram", Rule::Ratio(1e-3, 1.0)),
    ("Nanogram", Rule::Ratio(1e-12, 1.0)),
    ("Microgram", Rule::Ratio(1e-9, 1.0)),
    ("Milligram", Rule::Ratio(1e-6, 1.0)),
    ("Centigram", Rule::Ratio(1e-5, 1.0)),
    ("Decigram", Rule::Ratio(1e-4, 1.0)),
    ("Decagram", Rule::Ratio(1e-2, 1.0)),
    ("Hectogram", Rule::Ratio(1e-1, 1.0)),
    ("Tonne", Rule::Ratio(1e3, 1.0)),
    ("Kilotonne", Rule::Ratio(1e6, 1.0)),
    ("Megatonne", Rule::Ratio(1e9, 1.0)),
    ("ShortTon", Rule::Ratio(9.0718474e2, 1.0)),
    ("LongTon", Rule::Ratio(1.0160469088e3, 1.0)),
    ("Pound", Rule::Ratio(0.45359237, 1.0)),
    ("Kilopound", Rule::Ratio(0.45359237e3, 1.0)),
    ("Megapound", Rule::Ratio(0.45359237e6, 1.0)),
    ("Ounce", Rule::Ratio(0.028349523125, 1.0)),
    ("Slug", Rule::Ratio(1.0, 6.852176556196105e-2)),
    ("Stone", Rule::Ratio(1.0, 0.1574731728702698)),
    ("ShortHundredweight", Rule::Ratio(1.0, 0.022046226218487758)),
    ("LongHundredweight", Rule::Ratio(1.0, 0.01968413055222121)),
    ("Grain", Rule::Ratio(1.0, 15432.358352941431)),
    ("SolarMass", Rule::Ratio(1.98947e30, 1.0)),
    ("EarthMass", Rule::Ratio(5.9722e24, 1.0)),
];

const SPEED: &[(&str, Rule)] = &[
    ("MeterPerSecond", Rule::Ratio(1.0, 1.0)),
    ("NanometerPerSecond", Rule::Ratio(1e-9, 1.0)),
    ("MicrometerPerSecond", Rule::Ratio(1e-6, 1.0)),
    ("MillimeterPerSecond", Rule::Ratio(1e-3, 1.0)),
    ("CentimeterPerSecond", Rule::Ratio(1e-2, 1.0)),
    ("DecimeterPerSecond", Rule::Ratio(1e-1, 1.0)),
    ("KilometerPerSecond", Rule::Ratio(1e3, 1.0)),
    ("MeterPerMinute", Rule::Ratio(1.0, 60.0)),
    ("NanometerPerMinute", Rule::Ratio(1e-9, 60.0)),
    ("MicrometerPerMinute", Rule::Ratio(1e-6, 60.0)),
    ("MillimeterPerMinute", Rule::Ratio(1e-3, 60.0)),
    ("CentimeterPerMinute", Rule::Ratio(1e-2, 60.0)),
    ("DecimeterPerMinute", Rule::Ratio(1e-1, 60.0)),
    ("KilometerPerMinute", Rule::Ratio(1e3, 60.0)),
    ("MeterPerHour", Rule::Ratio(1.0, 3600.0)),
    ("MillimeterPerHour", Rule::Ratio(1e-3, 3600.0)),
    ("CentimeterPerHour", Rule::Ratio(1e-2, 3600.0)),
    ("KilometerPerHour", Rule::Ratio(1e3, 3600.0)),
    ("FootPerSecond", Rule::Ratio(0.3048, 1.0)),
    ("FootPerMinute", Rule::Ratio(0.3048, 60.0)),
    ("FootPerHour", Rule::Ratio(0.3048, 3600.0)),
    ("UsSurveyFootPerSecond", Rule::Ratio(1200.0, 3937.0)),
    ("UsSurveyFootPerMinute", Rule::Ratio(1200.0 / 3937.0, 60.0)),
    ("UsSurveyFootPerHour", Rule::Ratio(1200.0 / 3937.0, 3600.0)),
    ("InchPerSecond", Rule::Ratio(2.54e-2, 1.0)),
    ("InchPerMinute", Rule::Ratio(2.54e-2, 60.0)),
    ("InchPerHour", Rule::Ratio(2.54e-2, 3600.0)),
    ("YardPerSecond", Rule::Ratio(0.9144, 1.0)),
    ("YardPerMinute", Rule::Ratio(0.9144, 60.0)),
    ("YardPerHour", Rule::Ratio(0.9144, 3600.0)),
    ("Knot", Rule::Ratio(0.514444, 1.0)),
    ("MilePerHour", Rule::Ratio(0.44704, 1.0)),
    ("Mach", Rule::Ratio(340.29, 1.0)),
];

const TEMPERATURE: &[(&str, Rule)] = &[
    ("Kelvin", Rule::Ratio(1.0, 1.0)),
    ("DegreeCelsius", Rule::Affine(1.0, 273.15)),
    ("MillidegreeCelsius", Rule::Affine(1e-3, 273.15)),
    ("DegreeDelisle", Rule::Affine(-2.0 / 3.0, 373.15)),
    (
        "DegreeFahrenheit",
        Rule::Affine(5.0 / 9.0, 459.67 * 5.0 / 9.0),
    ),
    ("DegreeNewton", Rule::Affine(100.0 / 33.0, 273.15)),
    ("DegreeRankine", Rule::Ratio(5.0, 9.0)),
    ("DegreeReaumur", Rule::Affine(5.0 / 4.0, 273.15)),
    (
        "DegreeRoemer",
        Rule::Affine(40.0 / 21.0, 273.15 - 7.5 * 40.0 / 21.0),
    ),
    ("SolarTemperature", Rule::Ratio(5778.0, 1.0)),
];

// UnitsNet writes some factors with more digits than a double holds.
#[allow(clippy::excessive_precision)]
const VOLUME: &[(&str, Rule)] = &[
    ("CubicMeter", Rule::Ratio(1.0, 1.0)),
    ("HectocubicMeter", Rule::Ratio(1e2, 1.0)),
    ("KilocubicMeter", Rule::Ratio(1e3, 1.0)),
    ("Liter", Rule::Ratio(1e-3, 1.0)),
    ("Microliter", Rule::Ratio(1e-9, 1.0)),
    ("Milliliter", Rule::Ratio(1e-6, 1.0)),
    ("Centiliter", Rule::Ratio(1e-5, 1.0)),
    ("Deciliter", Rule::Ratio(1e-4, 1.0)),
    ("Decaliter", Rule::Ratio(1e-2, 1.0)),
    ("Hectoliter", Rule::Ratio(1e-1, 1.0)),
    ("Kiloliter", Rule::Ratio(1.0, 1.0)),
    ("Megaliter", Rule::Ratio(1e3, 1.0)),
    ("CubicKilometer", Rule::Ratio(1e9, 1.0)),
    ("CubicHectometer", Rule::Ratio(1e6, 1.0)),
    ("CubicDecimeter", Rule::Ratio(1e-3, 1.0)),
    ("CubicCentimeter", Rule::Ratio(1e-6, 1.0)),
    ("CubicMillimeter", Rule::Ratio(1e-9, 1.0)),
    ("CubicMicrometer", Rule::Ratio(1e-18, 1.0)),
    ("CubicMile", Rule::Ratio(4.16818182544058e9, 1.0)),
    ("CubicYard", Rule::Ratio(0.764554858, 1.0)),
    ("CubicFoot", Rule::Ratio(0.0283168, 1.0)),
    ("HectocubicFoot", Rule::Ratio(0.0283168e2, 1.0)),
    ("KilocubicFoot", Rule::Ratio(0.0283168e3, 1.0)),
    ("MegacubicFoot", Rule::Ratio(0.0283168e6, 1.0)),
    ("CubicInch", Rule::Ratio(1.6387e-5, 1.0)),
    (
        "ImperialGallon",
        Rule::Ratio(0.00454609000000181429905810072407, 1.0),
    ),
    (
        "KiloimperialGallon",
        Rule::Ratio(4.54609000000181429905810072407, 1.0),
    ),
    (
        "MegaimperialGallon",
        Rule::Ratio(4546.09000000181429905810072407, 1.0),
    ),
    (
        "ImperialOunce",
        Rule::Ratio(2.8413062499962901241875439064617e-5, 1.0),
    ),
    ("ImperialPint", Rule::Ratio(5.6826125e-4, 1.0)),
    ("ImperialBeerBarrel", Rule::Ratio(0.16365924, 1.0)),
    ("UsGallon", Rule::Ratio(0.00378541, 1.0)),
    ("DeciusGallon", Rule::Ratio(0.000378541, 1.0)),
    ("DecausGallon", Rule::Ratio(0.0378541, 1.0)),
    ("HectousGallon", Rule::Ratio(0.378541, 1.0)),
    ("KilousGallon", Rule::Ratio(3.78541, 1.0)),
    ("MegausGallon", Rule::Ratio(3785.41, 1.0)),
    (
        "UsOunce",
        Rule::Ratio(2.957352956253760505068307980135e-5, 1.0),
    ),
    ("UsTablespoon", Rule::Ratio(1.478676478125e-5, 1.0)),
    ("AuTablespoon", Rule::Ratio(2e-5, 1.0)),
    ("UkTablespoon", Rule::Ratio(1.5e-5, 1.0)),
    ("MetricTeaspoon", Rule::Ratio(0.5e-5, 1.0)),
    ("UsTeaspoon", Rule::Ratio(4.92892159375e-6, 1.0)),
    ("MetricCup", Rule::Ratio(0.00025, 1.0)),
    ("UsCustomaryCup", Rule::Ratio(0.0002365882365, 1.0)),
    ("UsLegalCup", Rule::Ratio(0.00024, 1.0)),
    ("OilBarrel", Rule::Ratio(0.158987294928, 1.0)),
    ("UsBeerBarrel", Rule::Ratio(0.1173477658, 1.0)),
    ("UsQuart", Rule::Ratio(9.46352946e-4, 1.0)),
    ("UsPint", Rule::Ratio(4.73176473e-4, 1.0)),
    ("AcreFoot", Rule::Ratio(1.0, 0.000810714)),
    ("BoardFoot", Rule::Ratio(2.3597372158e-3, 1.0)),
];

fn table(name: &str) -> &'static [(&'static str, Rule)] {
    match name {
        "convert_angle" => ANGLE,
        "convert_energy" => ENERGY,
        "convert_force" => FORCE,
        "convert_length" => LENGTH,
        "convert_mass" => MASS,
        "convert_speed" => SPEED,
        "convert_temperature" => TEMPERATURE,
        _ => VOLUME,
    }
}

fn find(units: &[(&str, Rule)], name: &str) -> Option<Rule> {
    units
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, r)| *r)
}

fn to_base(rule: Rule, x: f64) -> f64 {
    match rule {
        Rule::Ratio(a, b) => x * a / b,
        Rule::Affine(a, b) => x * a + b,
        Rule::Tilt => x.asin() * 180.0 / PI,
    }
}

fn from_base(rule: Rule, x: f64) -> f64 {
    match rule {
        Rule::Ratio(a, b) => x * b / a,
        Rule::Affine(a, b) => (x - b) / a,
        Rule::Tilt => (x / 180.0 * PI).sin(),
    }
}

/// `convert_X(value, from, to)` on runtime values.
fn convert(units: &[(&str, Rule)], a: &[Value]) -> Value {
    let (Some(x), Value::String(from), Value::String(to)) = (super::num_f64(&a[0]), &a[1], &a[2])
    else {
        return Value::Null;
    };
    match (find(units, from), find(units, to)) {
        // The same unit gives the value back exactly, without a round trip.
        (Some(_), Some(_)) if from.eq_ignore_ascii_case(to) => Value::Real(x),
        (Some(f), Some(t)) => Value::Real(from_base(t, to_base(f, x))),
        _ => Value::Null,
    }
}

pub(super) fn bind(name: &str, args: &[ArgInfo]) -> Option<Bound> {
    if !NAMES.contains(&name) {
        return None;
    }
    let units = table(name);
    Some(
        sig(name, args, 3, 3, &[Want::Num, Want::Str, Want::Str])
            .and_then(|_| pure(Type::Real, move |a| convert(units, a))),
    )
}
