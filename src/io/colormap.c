/*
 * colormap.c - colormaps for 8-bit previews.
 *
 * viridis, magma and inferno are matplotlib's perceptually uniform maps (van der Walt
 * and Smith; lib/matplotlib/_cm_listed.py). Their 256-entry tables are kept compact:
 * the entries 0, 32, 64, ..., 224 and 255, linearly interpolated in between, which
 * stays within a few 8-bit steps of the full table.
 */
#include <math.h>
#include <string.h>

#include "blitz/image_io.h"

enum { ANCHORS = 9 };

static const double anchor_index[ANCHORS] = { 0, 32, 64, 96, 128, 160, 192, 224, 255 };

static const float anchor_rgb[][ANCHORS][3] = {
    [BLZ_CMAP_VIRIDIS] = {
        { 0.267004f, 0.004874f, 0.329415f }, { 0.278826f, 0.175490f, 0.483397f },
        { 0.229739f, 0.322361f, 0.545706f }, { 0.172719f, 0.448791f, 0.557885f },
        { 0.127568f, 0.566949f, 0.550556f }, { 0.157851f, 0.683765f, 0.501686f },
        { 0.369214f, 0.788888f, 0.382914f }, { 0.678489f, 0.863742f, 0.189503f },
        { 0.993248f, 0.906157f, 0.143936f } },
    [BLZ_CMAP_MAGMA] = {
        { 0.001462f, 0.000466f, 0.013866f }, { 0.113094f, 0.065492f, 0.276784f },
        { 0.316654f, 0.071690f, 0.485380f }, { 0.512831f, 0.148179f, 0.507648f },
        { 0.716387f, 0.214982f, 0.475290f }, { 0.904281f, 0.319610f, 0.388137f },
        { 0.986700f, 0.535582f, 0.382210f }, { 0.996898f, 0.769591f, 0.534892f },
        { 0.987053f, 0.991438f, 0.749504f } },
    [BLZ_CMAP_INFERNO] = {
        { 0.001462f, 0.000466f, 0.013866f }, { 0.129285f, 0.047293f, 0.290788f },
        { 0.341500f, 0.062325f, 0.429425f }, { 0.540920f, 0.134729f, 0.415123f },
        { 0.735683f, 0.215906f, 0.330245f }, { 0.894305f, 0.353399f, 0.193584f },
        { 0.978422f, 0.557937f, 0.034931f }, { 0.974638f, 0.797692f, 0.206332f },
        { 0.988362f, 0.998364f, 0.644924f } },
};

static const char *const names[] = { "gray", "viridis", "magma", "inferno" };

const char *blz_colormap_name(int colormap)
{
    return colormap >= BLZ_CMAP_GRAY && colormap <= BLZ_CMAP_INFERNO ? names[colormap] : NULL;
}

int blz_colormap_from_name(const char *name)
{
    for (int i = BLZ_CMAP_GRAY; i <= BLZ_CMAP_INFERNO; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

static uint8_t to_byte(double v)
{
    return (uint8_t)lrint(fmin(fmax(v, 0.0), 1.0) * 255.0);
}

void blz_colormap_rgb(int colormap, double t, uint8_t rgb[3])
{
    t = t != t ? 0.0 : fmin(fmax(t, 0.0), 1.0);
    if (colormap <= BLZ_CMAP_GRAY || colormap > BLZ_CMAP_INFERNO) {
        rgb[0] = rgb[1] = rgb[2] = to_byte(t);
        return;
    }
    double index = t * 255.0;
    int a = 0;
    while (a + 2 < ANCHORS && index > anchor_index[a + 1])
        a++;
    double f = (index - anchor_index[a]) / (anchor_index[a + 1] - anchor_index[a]);
    for (int c = 0; c < 3; c++)
        rgb[c] = to_byte(anchor_rgb[colormap][a][c]
                         + f * (anchor_rgb[colormap][a + 1][c] - anchor_rgb[colormap][a][c]));
}
