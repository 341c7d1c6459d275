//! The PNG backend: plotters' bitmap backend, with text drawn by our own glyph layout.
//!
//! plotters' `ab_glyph` text drawing places each glyph at its advance without its side
//! bearing, so letters run together ("cl" reads "d"). This wrapper lays text out properly
//! (advances, kerning, bearings) with the bundled font, and places it as the SVG backend does
//! (the same em size and baseline offsets), so PNG and SVG charts agree.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use plotters::prelude::*;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind, FontStyle,
};

/// The bundled font, parsed once.
fn font() -> Option<&'static FontRef<'static>> {
    static FONT: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(super::FONT).ok())
        .as_ref()
}

/// A laid-out line of text.
struct Line {
    scale: PxScale,
    /// Glyphs and their pen x positions.
    glyphs: Vec<(ab_glyph::GlyphId, f32)>,
    width: f32,
    em: f32,
}

/// Lay out `text` at plotters size `size` (the SVG backend writes `font-size = size / 1.24`).
fn layout(text: &str, size: f64) -> Option<Line> {
    let font = font()?;
    let em = (size / 1.24) as f32;
    let scale = font.pt_to_px_scale(em)?;
    let sf = font.as_scaled(scale);
    let mut glyphs = Vec::with_capacity(text.len());
    let (mut x, mut prev) = (0f32, None);
    for c in text.chars() {
        let id = sf.glyph_id(c);
        if let Some(p) = prev {
            x += sf.kern(p, id);
        }
        glyphs.push((id, x));
        x += sf.h_advance(id);
        prev = Some(id);
    }
    Some(Line {
        scale,
        glyphs,
        width: x,
        em,
    })
}

/// [`BitMapBackend`] with proper text.
pub(crate) struct PngBackend<'a> {
    inner: BitMapBackend<'a>,
}

impl<'a> PngBackend<'a> {
    /// Draw into an RGB buffer of `size`.
    pub(crate) fn with_buffer(buf: &'a mut [u8], size: (u32, u32)) -> Self {
        PngBackend {
            inner: BitMapBackend::with_buffer(buf, size),
        }
    }
}

type Err<'a> = DrawingErrorKind<<BitMapBackend<'a> as DrawingBackend>::ErrorType>;

impl<'a> DrawingBackend for PngBackend<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), Err<'a>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), Err<'a>> {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), Err<'a>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Err<'a>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Err<'a>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        (w, h): (u32, u32),
        src: &[u8],
    ) -> Result<(), Err<'a>> {
        self.inner.blit_bitmap(pos, (w, h), src)
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), Err<'a>> {
        Ok(match layout(text, style.size()) {
            Some(l) => (l.width.ceil().max(0.0) as u32, l.em.ceil() as u32),
            None => (0, 0),
        })
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), Err<'a>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let (Some(line), Some(font)) = (layout(text, style.size()), font()) else {
            return Ok(());
        };
        let anchor = style.anchor();
        let dx = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -line.width / 2.0,
            HPos::Right => -line.width,
        };
        // Baselines as the SVG backend sets them: dy = 0.76em, 0.5ex, -0.5ex (ex ≈ 0.55em).
        let baseline = match anchor.v_pos {
            VPos::Top => 0.76 * line.em,
            VPos::Center => 0.27 * line.em,
            VPos::Bottom => -0.27 * line.em,
        };
        // Faux bold: a second pass shifted right (one weight of the font is bundled).
        let passes: &[f32] = if matches!(style.style(), FontStyle::Bold) {
            &[0.0, (line.em / 22.0).max(0.6)]
        } else {
            &[0.0]
        };
        let trans = style.transform();
        let (w, h) = self.get_size();
        for &shift in passes {
            for &(id, gx) in &line.glyphs {
                let glyph =
                    id.with_scale_and_position(line.scale, point(dx + gx + shift, baseline));
                let Some(outline) = font.outline_glyph(glyph) else {
                    continue;
                };
                let b = outline.px_bounds();
                let mut pixels: Vec<(i32, i32, f32)> = Vec::new();
                outline.draw(|x, y, c| {
                    if c > 0.02 {
                        pixels.push((b.min.x as i32 + x as i32, b.min.y as i32 + y as i32, c));
                    }
                });
                for (x, y, c) in pixels {
                    let (x, y) = trans.transform(x, y);
                    let (x, y) = (pos.0 + x, pos.1 + y);
                    if x >= 0 && y >= 0 && (x as u32) < w && (y as u32) < h {
                        let c = BackendColor {
                            alpha: color.alpha * c.min(1.0) as f64,
                            rgb: color.rgb,
                        };
                        self.inner.draw_pixel((x, y), c)?;
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_laid_out_with_advances_and_drawn() {
        let l = layout("client", 14.0).unwrap();
        assert_eq!(l.glyphs.len(), 6);
        assert!(
            l.glyphs.windows(2).all(|w| w[1].1 > w[0].1),
            "pen moves right"
        );
        assert!(l.width > 25.0 && l.width < 45.0, "{}", l.width);
        let (w, h) = (60u32, 20u32);
        let mut buf = vec![255u8; (w * h * 3) as usize];
        {
            let root = PngBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
            let style =
                super::super::text_style(14.0, RGBColor(0, 0, 0), false, HPos::Left, VPos::Top);
            root.draw_text("client", &style, (2, 2)).unwrap();
            assert_eq!(
                root.estimate_text_size("client", &style).unwrap().0,
                l.width.ceil() as u32
            );
            root.present().unwrap();
        }
        assert!(buf.iter().filter(|b| **b < 128).count() > 30, "text drawn");
    }
}
