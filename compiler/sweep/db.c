/*
 * db.c -- a sweep's results in one SQLite file (ff_sweep.h): a point is
 * written as soon as it is measured, so a killed sweep resumes where it
 * stopped; the file remembers the space it was made for.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ff_sweep.h"

struct ff_sweep_db {
    sqlite3 *h;
    char *path;
    sqlite3_stmt *has, *put;
};

static int db_fail(ff_sweep_db *db, const char *path, ff_err *err)
{
    return ff_err_set(err, FF_EIO, "%s: %s", path, db && db->h ? sqlite3_errmsg(db->h) : "cannot open");
}

/* The space's dimensions as one text: a database made for another space
 * is refused rather than mixed. */
static char *space_text(const ff_sweep_space *s)
{
    size_t n = strlen(s->model) + 16;
    for (int d = 0; d < s->ndim; d++) {
        n += strlen(s->dim[d].name) + 4;
        for (int i = 0; i < s->dim[d].nvalues; i++) n += strlen(s->dim[d].values[i]) + 1;
    }
    char *t = ff_xcalloc(n, 1);
    size_t len = 0;
    for (int d = 0; d < s->ndim; d++) {
        len += (size_t)snprintf(t + len, n - len, "%s=", s->dim[d].name);
        for (int i = 0; i < s->dim[d].nvalues; i++)
            len += (size_t)snprintf(t + len, n - len, "%s%s", i ? "|" : "", s->dim[d].values[i]);
        len += (size_t)snprintf(t + len, n - len, ";");
    }
    return t;
}

int ff_sweep_db_open(const char *path, const ff_sweep_space *s, ff_sweep_db **out, ff_err *err)
{
    ff_sweep_db *db = ff_xcalloc(1, sizeof *db);
    db->path = ff_xstrdup(path);
    int rc = 0;
    if (sqlite3_open(path, &db->h) != SQLITE_OK) {
        rc = db_fail(db, path, err);
        goto fail;
    }
    sqlite3_busy_timeout(db->h, 5000);
    static const char schema[] =
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT NOT NULL);"
        "CREATE TABLE IF NOT EXISTS points(idx INTEGER NOT NULL, key TEXT PRIMARY KEY, status TEXT NOT NULL,"
        " cycles INTEGER, max_prims INTEGER, offchip_bytes INTEGER, kernels INTEGER, seconds REAL, error TEXT);";
    if (sqlite3_exec(db->h, schema, NULL, NULL, NULL) != SQLITE_OK) {
        rc = db_fail(db, path, err);
        goto fail;
    }
    /* the accuracy (model choices), area (GE) and energy (nJ,
     * docs/synthesis.md) columns came later: added to a database made
     * before them ("duplicate column" when it has them is no error); NULL
     * where not measured */
    static const char *const late_cols[] = {"accuracy",          "accuracy_float", "area_ge",
                                            "area_tiles_ge",     "area_crossbar_ge", "area_sram_ge",
                                            "energy_nj",         "energy_logic_nj", "energy_sram_nj",
                                            "energy_offchip_nj", "energy_leakage_nj"};
    for (size_t c = 0; c < sizeof late_cols / sizeof *late_cols; c++) {
        char alter[96];
        snprintf(alter, sizeof alter, "ALTER TABLE points ADD COLUMN %s REAL", late_cols[c]);
        sqlite3_exec(db->h, alter, NULL, NULL, NULL);
    }
    char *want = space_text(s);
    sqlite3_stmt *q = NULL;
    sqlite3_prepare_v2(db->h, "SELECT v FROM meta WHERE k = 'space'", -1, &q, NULL);
    int step = q ? sqlite3_step(q) : SQLITE_ERROR;
    if (step == SQLITE_ROW) {
        const char *have = (const char *)sqlite3_column_text(q, 0);
        if (!have || strcmp(have, want))
            rc = ff_err_set(err, FF_EINVAL, "%s: made for another design space (its dimensions or values differ); "
                            "give another --db", path);
    } else if (step == SQLITE_DONE) {
        sqlite3_stmt *ins = NULL;
        sqlite3_prepare_v2(db->h, "INSERT INTO meta(k, v) VALUES('space', ?1), ('model', ?2)", -1, &ins, NULL);
        if (ins) {
            sqlite3_bind_text(ins, 1, want, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(ins, 2, s->model, -1, SQLITE_TRANSIENT);
        }
        if (!ins || sqlite3_step(ins) != SQLITE_DONE) rc = db_fail(db, path, err);
        sqlite3_finalize(ins);
    } else {
        rc = db_fail(db, path, err);
    }
    sqlite3_finalize(q);
    free(want);
    if (rc) goto fail;
    if (sqlite3_prepare_v2(db->h, "SELECT 1 FROM points WHERE key = ?1", -1, &db->has, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db->h,
                           "INSERT OR REPLACE INTO points(idx, key, status, cycles, max_prims, offchip_bytes, kernels,"
                           " seconds, error, area_ge, area_tiles_ge, area_crossbar_ge, area_sram_ge,"
                           " accuracy, accuracy_float, energy_nj, energy_logic_nj, energy_sram_nj,"
                           " energy_offchip_nj, energy_leakage_nj)"
                           " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
                           " ?16, ?17, ?18, ?19, ?20)",
                           -1, &db->put, NULL) != SQLITE_OK) {
        rc = db_fail(db, path, err);
        goto fail;
    }
    *out = db;
    return 0;
fail:
    ff_sweep_db_close(db);
    return rc;
}

void ff_sweep_db_close(ff_sweep_db *db)
{
    if (!db) return;
    sqlite3_finalize(db->has);
    sqlite3_finalize(db->put);
    sqlite3_close(db->h);
    free(db->path);
    free(db);
}

int ff_sweep_db_has(ff_sweep_db *db, const char *key)
{
    sqlite3_reset(db->has);
    sqlite3_bind_text(db->has, 1, key, -1, SQLITE_TRANSIENT);
    return sqlite3_step(db->has) == SQLITE_ROW;
}

int ff_sweep_db_put(ff_sweep_db *db, const ff_sweep_space *s, uint64_t i, const ff_sweep_result *r, ff_err *err)
{
    char *key = ff_sweep_point_key(s, i);
    sqlite3_stmt *p = db->put;
    sqlite3_reset(p);
    sqlite3_bind_int64(p, 1, (sqlite3_int64)i);
    sqlite3_bind_text(p, 2, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(p, 3, r->status, -1, SQLITE_TRANSIENT);
    int ok = !strcmp(r->status, "ok");
    if (ok) {
        sqlite3_bind_int64(p, 4, (sqlite3_int64)r->cycles);
        sqlite3_bind_int(p, 5, r->max_prims);
        sqlite3_bind_int64(p, 6, (sqlite3_int64)r->offchip_bytes);
        sqlite3_bind_int(p, 7, r->kernels);
    } else {
        for (int c = 4; c <= 7; c++) sqlite3_bind_null(p, c);
    }
    sqlite3_bind_double(p, 8, r->seconds);
    if (ok) sqlite3_bind_null(p, 9);
    else sqlite3_bind_text(p, 9, r->error, -1, SQLITE_TRANSIENT);
    const double area[] = {r->area, r->area_tiles, r->area_crossbar, r->area_sram};
    for (int c = 0; c < 4; c++)
        if (ok && r->area > 0) sqlite3_bind_double(p, 10 + c, area[c]);
        else sqlite3_bind_null(p, 10 + c);
    int acc = ok && r->has_accuracy;
    if (acc) sqlite3_bind_double(p, 14, r->accuracy);
    else sqlite3_bind_null(p, 14);
    if (acc && r->accuracy_float == r->accuracy_float) sqlite3_bind_double(p, 15, r->accuracy_float);
    else sqlite3_bind_null(p, 15); /* not measured, or NaN: the trainer gave none */
    const double energy[] = {r->energy, r->energy_logic, r->energy_sram, r->energy_offchip, r->energy_leakage};
    for (int c = 0; c < 5; c++)
        if (ok && r->energy > 0) sqlite3_bind_double(p, 16 + c, energy[c]);
        else sqlite3_bind_null(p, 16 + c);
    int rc = sqlite3_step(p) == SQLITE_DONE ? 0 : db_fail(db, db->path, err);
    free(key);
    return rc;
}

/* A CSV field, quoted when it holds a comma, quote or line break. */
static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

int ff_sweep_db_csv(ff_sweep_db *db, const char *path, ff_err *err)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) return ff_err_set(err, FF_EIO, "%s: cannot create", tmp);
    sqlite3_stmt *q = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(db->h,
                           "SELECT idx, key, status, cycles, max_prims, offchip_bytes, kernels, seconds, error,"
                           " accuracy, accuracy_float, area_ge, area_tiles_ge, area_crossbar_ge, area_sram_ge,"
                           " energy_nj, energy_logic_nj, energy_sram_nj, energy_offchip_nj, energy_leakage_nj"
                           " FROM points ORDER BY idx",
                           -1, &q, NULL) != SQLITE_OK) {
        fclose(f);
        remove(tmp);
        return db_fail(db, db->path, err);
    }
    int header = 0, step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(q, 1);
        char *copy = ff_xstrdup(key ? key : "");
        if (!header) { /* the dimensions' names, from the first key */
            fputs("point", f);
            for (char *save = NULL, *kv = strtok_r(copy, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
                char *eq = strchr(kv, '=');
                if (eq) *eq = '\0';
                fputc(',', f);
                csv_field(f, kv);
            }
            fputs(",status,cycles,max_prims,offchip_bytes,kernels,seconds,error,accuracy,accuracy_float,"
                  "area_ge,area_tiles_ge,area_crossbar_ge,area_sram_ge,"
                  "energy_nj,energy_logic_nj,energy_sram_nj,energy_offchip_nj,energy_leakage_nj\n",
                  f);
            header = 1;
            free(copy);
            copy = ff_xstrdup(key ? key : "");
        }
        fprintf(f, "%lld", (long long)sqlite3_column_int64(q, 0) + 1);
        for (char *save = NULL, *kv = strtok_r(copy, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
            char *eq = strchr(kv, '=');
            fputc(',', f);
            csv_field(f, eq ? eq + 1 : "");
        }
        free(copy);
        fputc(',', f);
        csv_field(f, (const char *)sqlite3_column_text(q, 2));
        for (int c = 3; c <= 6; c++) {
            fputc(',', f);
            if (sqlite3_column_type(q, c) != SQLITE_NULL) fprintf(f, "%lld", (long long)sqlite3_column_int64(q, c));
        }
        fprintf(f, ",%.3f,", sqlite3_column_double(q, 7));
        const char *e = (const char *)sqlite3_column_text(q, 8);
        csv_field(f, e ? e : "");
        for (int c = 9; c <= 19; c++) { /* empty: not measured */
            fputc(',', f);
            if (sqlite3_column_type(q, c) != SQLITE_NULL)
                fprintf(f, c <= 10 ? "%.4f" : c <= 14 ? "%.0f" : "%.4g", sqlite3_column_double(q, c));
        }
        fputc('\n', f);
    }
    if (step != SQLITE_DONE) rc = db_fail(db, db->path, err);
    sqlite3_finalize(q);
    if (fclose(f) && !rc) rc = ff_err_set(err, FF_EIO, "%s: cannot write", tmp);
    if (!rc && rename(tmp, path)) rc = ff_err_set(err, FF_EIO, "%s: cannot rename to %s", tmp, path);
    if (rc) remove(tmp);
    return rc;
}

int ff_sweep_db_points(ff_sweep_db *db, char ***keys, ff_sweep_result **res, ff_err *err)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db->h,
                           "SELECT key, cycles, max_prims, offchip_bytes, kernels, seconds, idx, accuracy, accuracy_float,"
                           " area_ge, area_tiles_ge, area_crossbar_ge, area_sram_ge, energy_nj, energy_logic_nj,"
                           " energy_sram_nj, energy_offchip_nj, energy_leakage_nj FROM points"
                           " WHERE status = 'ok' ORDER BY cycles, max_prims, idx",
                           -1, &q, NULL) != SQLITE_OK)
        return db_fail(db, db->path, err);
    int n = 0, step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        ff_sweep_result r = {.status = "ok"};
        r.cycles = (uint64_t)sqlite3_column_int64(q, 1);
        r.max_prims = sqlite3_column_int(q, 2);
        r.offchip_bytes = (uint64_t)sqlite3_column_int64(q, 3);
        r.kernels = sqlite3_column_int(q, 4);
        r.seconds = sqlite3_column_double(q, 5);
        r.point = (uint64_t)sqlite3_column_int64(q, 6);
        r.has_accuracy = sqlite3_column_type(q, 7) != SQLITE_NULL;
        r.accuracy = sqlite3_column_double(q, 7);
        r.accuracy_float = sqlite3_column_type(q, 8) != SQLITE_NULL ? sqlite3_column_double(q, 8) : NAN;
        r.area = sqlite3_column_double(q, 9); /* 0.0 for NULL: no area */
        r.area_tiles = sqlite3_column_double(q, 10);
        r.area_crossbar = sqlite3_column_double(q, 11);
        r.area_sram = sqlite3_column_double(q, 12);
        r.energy = sqlite3_column_double(q, 13); /* 0.0 for NULL: no energy */
        r.energy_logic = sqlite3_column_double(q, 14);
        r.energy_sram = sqlite3_column_double(q, 15);
        r.energy_offchip = sqlite3_column_double(q, 16);
        r.energy_leakage = sqlite3_column_double(q, 17);
        *keys = ff_xrealloc(*keys, sizeof **keys * (size_t)(n + 1));
        *res = ff_xrealloc(*res, sizeof **res * (size_t)(n + 1));
        (*keys)[n] = ff_xstrdup((const char *)sqlite3_column_text(q, 0));
        (*res)[n++] = r;
    }
    int rc = step == SQLITE_DONE ? n : db_fail(db, db->path, err);
    sqlite3_finalize(q);
    return rc;
}
