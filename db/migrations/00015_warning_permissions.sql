-- Who reads and acts on warnings (docs/PERMISSIONS.md): the city, the
-- town of the project, the enterprise to answer, the project's labour
-- manager; the warning's table of actions says which step is whose.

-- +goose Up
INSERT INTO authz_policy (ptype, v0, v1, v2, v3) VALUES
    ('p','city_supervisor','city','warnings','read'),
    ('p','town_officer','town:*','warnings','read'),
    ('p','enterprise_user','ent:*','warnings','read'),
    ('p','project_manager','proj:*','warnings','read'),
    ('p','city_supervisor','city','warnings','act'),
    ('p','town_officer','town:*','warnings','act'),
    ('p','enterprise_user','ent:*','warnings','act'),
    ('p','project_manager','proj:*','warnings','act'),
    ('p','city_supervisor','city','warnings','scan'),
    ('p','town_officer','town:*','warnings','scan');

-- +goose Down
DELETE FROM authz_policy WHERE v2 = 'warnings';
